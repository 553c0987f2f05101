"""The race behind test_idle_process_reuse_one (CPython issue 117344),
shown on either build: ProcessPoolExecutor's manager thread sets a
job's result, and only then marks its worker idle.  A thread waiting
on result() that runs in between submits the next job, finds no idle
worker and starts a second process.  Stock's GIL makes the woken thread
wait out a switch interval, so the manager wins; bfsgil hands the lock
to it at once (it waited, so its deadline is earlier), as a 1 ms sleep
in the gap does here on stock.  Prints the process count: 1 is what
the test expects, 2 the race.  Run: python-stock race_idle_worker.py
"""
import time, concurrent.futures.process as p
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
orig = p._ExecutorManagerThread.process_result_item
def slow(self, item):
    orig(self, item)
    time.sleep(0.001)   # a switch here, as bfsgil makes at once
p._ExecutorManagerThread.process_result_item = slow
if __name__ == "__main__":
    with ProcessPoolExecutor(5, mp_context=mp.get_context("forkserver")) as ex:
        for a, b in ((21, 2), (6, 7), (3, 14)):
            ex.submit(pow, a, b).result()
        print("processes after three sequential jobs:", len(ex._processes))
