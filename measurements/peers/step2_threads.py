"""Step 2 with another number of server threads, for the thread sweep of measurements.session_costs:
python -m measurements.peers.step2_threads THREADS [step 2's own arguments]

Step 2 serves with plumbing/server.py's THREADS (8), and its connection pool
never has fewer connections than that (connection.pool_size reads the same
number when it is called): one assignment, before step 2 starts, sets both.
"""

import sys

from plumbing import server
from step2_redis_session.__main__ import main

if __name__ == "__main__":
    server.THREADS = int(sys.argv[1])
    main(sys.argv[2:])
