//go:build linux

// Package ptytest gives tests a pseudo-terminal, to check what a command
// shows on a terminal (its progress line) and that it shows nothing
// without one. Linux only; nothing but golang.org/x/sys.
package ptytest

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// PTY is an open pseudo-terminal: a command gets TTY as its stderr (or
// stdin), the test reads what it wrote from the master side.
type PTY struct {
	TTY    *os.File
	master *os.File
	mu     sync.Mutex
	buf    bytes.Buffer
	done   chan struct{}
}

// Open opens a pseudo-terminal cols columns wide and starts collecting
// its output.
func Open(cols int) (*PTY, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("ptsname: %w", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, err
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: uint16(cols)}); err != nil {
		m.Close()
		s.Close()
		return nil, err
	}
	p := &PTY{TTY: s, master: m, done: make(chan struct{})}
	go p.collect()
	return p, nil
}

func (p *PTY) collect() {
	defer close(p.done)
	b := make([]byte, 32<<10)
	for {
		n, err := p.master.Read(b)
		p.mu.Lock()
		p.buf.Write(b[:n])
		p.mu.Unlock()
		if err != nil { // EIO once every holder of the terminal closed it
			return
		}
	}
}

// Type writes b to the terminal as if typed (Ctrl-D is "\x04").
func (p *PTY) Type(b string) error {
	_, err := p.master.WriteString(b)
	return err
}

// CloseTTY closes the test's own handle of the terminal side; call it
// once the commands given it have started, so that Output can tell the
// end.
func (p *PTY) CloseTTY() { p.TTY.Close() }

// Output waits until every process holding the terminal side has closed
// it (call CloseTTY first), and returns all they wrote.
func (p *PTY) Output() []byte {
	<-p.done
	p.master.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.buf.Bytes())
}
