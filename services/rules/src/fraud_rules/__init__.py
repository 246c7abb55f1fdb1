"""fraud-rules and fraud-lists: rules and the lists they read, as data, from the command line."""
