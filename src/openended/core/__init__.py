"""Framework-light building blocks shared by more than one system."""
