package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// envelope is one line of the parent↔child protocol (JSON lines: commands
// on the child's stdin, replies on its stdout).
type envelope struct {
	Job        *Job          `json:"job,omitempty"`
	Start      bool          `json:"start,omitempty"`
	From       int64         `json:"from,omitempty"`    // with Start: when the measured phase begins (Unix ns)
	Started    bool          `json:"started,omitempty"` // the answer to Start
	Mark       bool          `json:"mark,omitempty"`
	Progress   bool          `json:"progress,omitempty"`
	Stop       *StopCmd      `json:"stop,omitempty"`
	Storm      *StormCmd     `json:"storm,omitempty"`
	Stormed    *StormReport  `json:"stormed,omitempty"`
	Ready      *ReadyReport  `json:"ready,omitempty"`
	Deliveries *int64        `json:"deliveries,omitempty"`
	Result     *WorkerResult `json:"result,omitempty"`
	Err        string        `json:"err,omitempty"`
}

// RunChild serves one worker over the protocol until stop or EOF.
func RunChild(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(stdin))
	enc := json.NewEncoder(stdout)
	var first envelope
	if err := dec.Decode(&first); err != nil || first.Job == nil {
		return fmt.Errorf("child: want a job first: %v", err)
	}
	w := NewWorker(*first.Job)
	rep := w.Connect(ctx)
	if err := enc.Encode(envelope{Ready: &rep}); err != nil {
		return err
	}
	for {
		var e envelope
		if err := dec.Decode(&e); err != nil {
			w.Stop(StopCmd{})
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("child: %w", err)
		}
		switch {
		case e.Start:
			var from time.Time // zero: now
			if e.From != 0 {
				from = time.Unix(0, e.From)
			}
			w.Start(from)
			if err := enc.Encode(envelope{Started: true}); err != nil {
				return err
			}
		case e.Mark:
			w.Mark()
		case e.Progress:
			n := w.Deliveries()
			if err := enc.Encode(envelope{Deliveries: &n}); err != nil {
				return err
			}
		case e.Storm != nil:
			rep := w.Storm(ctx, *e.Storm)
			if err := enc.Encode(envelope{Stormed: &rep}); err != nil {
				return err
			}
		case e.Stop != nil:
			res := w.Stop(*e.Stop)
			return enc.Encode(envelope{Result: &res})
		}
	}
}

// workerHandle is a worker in this process or in a child.
type workerHandle interface {
	Connect(ctx context.Context) (ReadyReport, error)
	Start(from time.Time) error
	Mark() error
	Deliveries() (int64, error)
	Storm(ctx context.Context, cmd StormCmd) (StormReport, error)
	Stop(cmd StopCmd) (WorkerResult, error)
	Kill()
}

type localWorker struct{ w *Worker }

func (l localWorker) Connect(ctx context.Context) (ReadyReport, error) { return l.w.Connect(ctx), nil }
func (l localWorker) Start(from time.Time) error                       { l.w.Start(from); return nil }
func (l localWorker) Mark() error                                      { l.w.Mark(); return nil }
func (l localWorker) Deliveries() (int64, error)                       { return l.w.Deliveries(), nil }
func (l localWorker) Stop(cmd StopCmd) (WorkerResult, error)           { return l.w.Stop(cmd), nil }
func (l localWorker) Storm(ctx context.Context, cmd StormCmd) (StormReport, error) {
	return l.w.Storm(ctx, cmd), nil
}
func (l localWorker) Kill() {
	if !l.w.stopped.Load() {
		l.w.Stop(StopCmd{})
	}
}

// childWorker is a worker in a child process: exe --child.
type childWorker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	enc *json.Encoder
	dec *json.Decoder
	job Job
}

func startChild(exe string, job Job, stderr io.Writer) (*childWorker, error) {
	cmd := exec.Command(exe, "--child")
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start child: %w", err)
	}
	return &childWorker{cmd: cmd, in: in, enc: json.NewEncoder(in), dec: json.NewDecoder(bufio.NewReader(out)), job: job}, nil
}

func (c *childWorker) send(e envelope) error {
	if err := c.enc.Encode(e); err != nil {
		return fmt.Errorf("child %d: %w", c.cmd.Process.Pid, err)
	}
	return nil
}

func (c *childWorker) recv() (envelope, error) {
	var e envelope
	if err := c.dec.Decode(&e); err != nil {
		return e, fmt.Errorf("child %d: %w", c.cmd.Process.Pid, err)
	}
	return e, nil
}

func (c *childWorker) Connect(context.Context) (ReadyReport, error) {
	if err := c.send(envelope{Job: &c.job}); err != nil {
		return ReadyReport{}, err
	}
	e, err := c.recv()
	if err != nil || e.Ready == nil {
		return ReadyReport{}, fmt.Errorf("child ready: %v", err)
	}
	return *e.Ready, nil
}

// Start returns once the child has its phase start, so that no message
// reaches it first: the child would time it (and log it as slow) whether
// or not it was sent in a warm-up.
func (c *childWorker) Start(from time.Time) error {
	if err := c.send(envelope{Start: true, From: from.UnixNano()}); err != nil {
		return err
	}
	e, err := c.recv()
	if err == nil && !e.Started {
		err = fmt.Errorf("child %d: no answer to start: %s", c.cmd.Process.Pid, e.Err)
	}
	return err
}
func (c *childWorker) Mark() error { return c.send(envelope{Mark: true}) }

func (c *childWorker) Deliveries() (int64, error) {
	if err := c.send(envelope{Progress: true}); err != nil {
		return 0, err
	}
	e, err := c.recv()
	if err != nil || e.Deliveries == nil {
		return 0, fmt.Errorf("child progress: %v", err)
	}
	return *e.Deliveries, nil
}

func (c *childWorker) Storm(_ context.Context, cmd StormCmd) (StormReport, error) {
	if err := c.send(envelope{Storm: &cmd}); err != nil {
		return StormReport{}, err
	}
	e, err := c.recv()
	if err != nil || e.Stormed == nil {
		return StormReport{}, fmt.Errorf("child storm: %v", err)
	}
	return *e.Stormed, nil
}

func (c *childWorker) Stop(cmd StopCmd) (WorkerResult, error) {
	if err := c.send(envelope{Stop: &cmd}); err != nil {
		return WorkerResult{}, err
	}
	e, err := c.recv()
	_ = c.in.Close()
	_ = c.cmd.Wait()
	if err != nil || e.Result == nil {
		return WorkerResult{}, fmt.Errorf("child result: %v", err)
	}
	return *e.Result, nil
}

func (c *childWorker) Kill() {
	_ = c.in.Close()
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
}
