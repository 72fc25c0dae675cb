"""The class session: students take the seats of states (or play textbook games) from their
phones, the agents play the rest, the teacher runs it from a dashboard, and every decision is
recorded for the debrief. See docs/classroom.md."""
