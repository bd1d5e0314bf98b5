"""Rankings models, split by concern so two people can work on them at once.

- boards.py: leaderboard structures (rank snapshots, score buckets)
- rewards.py: fixed/base points runs, period closes, reward rules and lists, party evaluation, dividends
"""

from jifen.rankings.models.boards import *  # noqa: F403
from jifen.rankings.models.rewards import *  # noqa: F403
