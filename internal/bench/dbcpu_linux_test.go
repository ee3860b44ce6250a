package bench

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestTreeCPULinux counts a real child's CPU while it runs and, once
// reaped, through this process's cutime: a database's backends come and go.
func TestTreeCPULinux(t *testing.T) {
	child := exec.Command("sh", "-c", "while :; do :; done") // busy until killed
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	var childCPU float64
	for deadline := time.Now().Add(30 * time.Second); childCPU < 0.1; {
		_, cpu, err := procStats(child.Process.Pid)
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("child's CPU %v s, err %v", cpu, err)
		}
		childCPU = cpu
		time.Sleep(20 * time.Millisecond)
	}
	_, self, err := procStats(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	live, err := treeCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if live < self+childCPU {
		t.Errorf("tree CPU %v s with the child running, want at least %v (self) + %v (child)", live, self, childCPU)
	}
	_ = child.Process.Kill()
	_ = child.Wait()
	reaped, err := treeCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if reaped < live {
		t.Errorf("tree CPU %v s after the child was reaped, want at least %v", reaped, live)
	}
	if _, err := treeCPU(1 << 30); err == nil {
		t.Error("want an error for a process that does not exist")
	}
}
