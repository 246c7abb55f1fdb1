"""fraud-decisions: the decision log from the command line."""
