"""The command line's commands: argument handling, printing and exit codes over the layers below."""
