"""Background work, as admins see it: the jobs on the queue (running, waiting, failed, finished) and mails
that could not be delivered, with a retry button. The queue itself is ``grants.platform.jobs``."""
