"""coinpilot-tf's commands, one module per command or group: parse, call, print, exit code.

Each command gets the Session (session.py) the group made, filled in by the options (options.py);
exit codes are errors.ExitCode. A command module imports only click and options.py at the top:
the modules that do the work load inside the command, so --help stays fast.
"""
