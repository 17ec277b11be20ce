"""The doors: the command line, the web app and `meds`; thin shells over `outputs`."""
