"""Step 2 with another number of server threads, for the thread sweep of measurements.session_costs:
python -m measurements.peers.step2_threads THREADS [step 2's own arguments]

Step 2 serves with step2_redis_session/plumbing/server.py's THREADS (8), and its connection pool
never has fewer connections than that (connection.pool_size): both read the
number here, before step 2 starts.
"""

import sys

from step2_redis_session.__main__ import main
from step2_redis_session.plumbing import connection, server

if __name__ == "__main__":
    server.THREADS = connection.THREADS = int(sys.argv[1])
    main(sys.argv[2:])
