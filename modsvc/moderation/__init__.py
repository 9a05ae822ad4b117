"""What reviewers work with: the prioritised queue, decisions and their audit trail, agreement statistics, and the
exports of comments and decisions."""
