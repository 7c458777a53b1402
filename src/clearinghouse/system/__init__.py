"""The system itself: job runs, health and status."""
