"""The Accord workbench (Textual). Domain logic lives in engine/; this package only shows it."""
