"""The board: directors' seats, conflicts, meetings, motions and votes, policy changes, and the
RSO's quarterly reports."""
