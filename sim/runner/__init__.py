"""Running and recording: config composition and validation, seeds and replicates, the run
folder with its tables and manifest."""
