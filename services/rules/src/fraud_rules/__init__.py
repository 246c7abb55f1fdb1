"""fraud-rules: rules as data from the command line (validate, list, bench)."""
