"""Custom actions for the Focus Group assistant (run by `rasa run actions`)."""
