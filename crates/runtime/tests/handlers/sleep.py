"""Sleeps argv[1] seconds; with "child", first starts a grandchild that sleeps too and writes its
pid to argv[3], so a test can check the whole process group is killed on timeout."""
import subprocess
import sys
import time

if len(sys.argv) > 2 and sys.argv[2] == "child":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(sys.argv[3], "w") as f:
        f.write(str(child.pid))
time.sleep(float(sys.argv[1]))
