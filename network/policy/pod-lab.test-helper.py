#!/usr/bin/python3
# Listeners and prober for the NetworkPolicy truth-table suite, in ONE process: it enters each
# pod's network namespace just long enough to make a socket there (a socket stays in the
# namespace it was made in), then serves and probes them all from one non-blocking loop. So a
# whole truth table (hundreds of connections) is probed in parallel in about one timeout, with
# no process per pod or per probe. (The busybox here has an nc without UDP and without -k.)
#
# Commands, one JSON object per line on stdin; one JSON answer per line on stdout:
#   {"op":"listen","pods":[{"name","netns"}],"tcp":[80,81],"udp":[80,81]}
#        TCP: greet with "<name>\n", then echo; UDP: answer every datagram with "<name>\n".
#   {"op":"probe","timeout":s,"probes":[{"id","netns","ip","port","proto","expect"}]}
#        -> {"results":{id: "ok" | "drop" | "refused" | "wrong:<name>" | "error:<text>"}}
#   {"op":"open","id","netns","ip","port","expect","timeout"}   a long-lived TCP connection
#   {"op":"send","id","timeout"}   one line through it, echoed back -> {"result": ...}
#   {"op":"close","id"}
import ctypes
import errno
import json
import os
import resource
import selectors
import socket
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
HOME = os.open('/proc/self/ns/net', os.O_RDONLY)
ns_fds = {}
sel = selectors.DefaultSelector()
conns = {}


def setns(fd, what):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f'setns {what}: {os.strerror(err)}')


def socket_in(netns, family, kind):
    fd = ns_fds.get(netns)
    if fd is None:
        fd = ns_fds[netns] = os.open(netns, os.O_RDONLY)
    setns(fd, netns)
    try:
        s = socket.socket(family, kind)
    finally:
        setns(HOME, 'home')
    s.setblocking(False)
    return s


def family_of(ip):
    return socket.AF_INET6 if ':' in ip else socket.AF_INET


def listen(cmd):
    for pod in cmd['pods']:
        greeting = (pod['name'] + '\n').encode()
        for port in cmd.get('tcp', []):
            s = socket_in(pod['netns'], socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', port))
            s.listen(512)
            sel.register(s, selectors.EVENT_READ, ('accept', greeting))
        for port in cmd.get('udp', []):
            s = socket_in(pod['netns'], socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('0.0.0.0', port))
            sel.register(s, selectors.EVENT_READ, ('udp-serve', greeting))
    return {'ok': True}


def serve(key, mask):
    kind, greeting = key.data[0], key.data[1]
    s = key.fileobj
    if kind == 'accept':
        try:
            c, _ = s.accept()
        except BlockingIOError:
            return
        c.setblocking(False)
        try:
            c.send(greeting)
        except OSError:
            c.close()
            return
        sel.register(c, selectors.EVENT_READ, ('echo', greeting))
    elif kind == 'echo':
        try:
            data = s.recv(4096)
        except OSError:
            data = b''
        if not data:
            sel.unregister(s)
            s.close()
            return
        try:
            s.send(data)
        except OSError:
            pass
    elif kind == 'udp-serve':
        try:
            while True:
                _, peer = s.recvfrom(2048)
                s.sendto(greeting, peer)
        except (BlockingIOError, ConnectionRefusedError):
            pass


class Probe:
    """One connection attempt; `result` is set once it is decided."""

    def __init__(self, spec, on_done):
        self.spec = spec
        self.buf = b''
        self.result = None
        self.on_done = on_done
        self.sock = None

    def start(self):
        p = self.spec
        kind = socket.SOCK_STREAM if p['proto'] == 'tcp' else socket.SOCK_DGRAM
        try:
            self.sock = socket_in(p['netns'], family_of(p['ip']), kind)
            if kind == socket.SOCK_STREAM:
                code = self.sock.connect_ex((p['ip'], p['port']))
                if code not in (0, errno.EINPROGRESS):
                    return self.finish('refused' if code == errno.ECONNREFUSED else f'error:{os.strerror(code)}')
                sel.register(self.sock, selectors.EVENT_WRITE, ('probe', self))
            else:
                self.sock.connect((p['ip'], p['port']))
                self.sock.send(b'ping\n')
                sel.register(self.sock, selectors.EVENT_READ, ('probe', self))
        except OSError as e:
            self.finish(f'error:{e}')

    def event(self, mask):
        if mask & selectors.EVENT_WRITE:
            code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code != 0:
                return self.finish('refused' if code == errno.ECONNREFUSED else f'error:{os.strerror(code)}')
            sel.modify(self.sock, selectors.EVENT_READ, ('probe', self))
            return
        try:
            data = self.sock.recv(4096)
        except BlockingIOError:
            return
        except ConnectionRefusedError:
            return self.finish('refused')
        except OSError as e:
            return self.finish(f'error:{e}')
        self.buf += data
        if b'\n' in self.buf or not data:
            name = self.buf.split(b'\n')[0].decode(errors='replace')
            self.finish('ok' if name == self.spec['expect'] else f'wrong:{name}')

    def finish(self, result):
        if self.result is not None:
            return
        self.result = result
        if self.sock is not None:
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        self.on_done(self)


def run_probes(specs, timeout):
    pending = set()
    results = {}

    def done(p):
        results[p.spec['id']] = p.result
        pending.discard(p)

    probes = [Probe(s, done) for s in specs]
    pending.update(probes)
    for p in probes:
        p.start()
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pump(deadline - time.monotonic())
    for p in list(pending):
        p.finish('drop')
    return results


def dispatch(key, mask):
    if key.data[0] == 'probe':
        key.data[1].event(mask)
    elif key.data[0] == 'conn':
        key.data[1](mask)
    else:
        serve(key, mask)


def pump(timeout):
    for key, mask in sel.select(max(0.0, timeout)):
        dispatch(key, mask)


def pump_until(sock, events, done, timeout):
    """Serves everything else while `sock`'s events feed `done` (which says when to stop)."""
    finished = {'value': False}

    def on_event(mask):
        finished['value'] = done(mask)

    sel.register(sock, events, ('conn', on_event))
    deadline = time.monotonic() + timeout
    try:
        while not finished['value'] and time.monotonic() < deadline:
            pump(deadline - time.monotonic())
    finally:
        sel.unregister(sock)
    return finished['value']


def read_line(sock, timeout):
    """The next line from `sock`; 'closed' at EOF, None when none came in time."""
    got = {'buf': b'', 'closed': False}

    def on_read(mask):
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return False
        except OSError:
            data = b''
        got['closed'] = not data
        got['buf'] += data
        return got['closed'] or b'\n' in got['buf']

    pump_until(sock, selectors.EVENT_READ, on_read, timeout)
    if b'\n' in got['buf']:
        return got['buf'].split(b'\n')[0].decode(errors='replace')
    return 'closed' if got['closed'] else None


def open_conn(cmd):
    s = socket_in(cmd['netns'], family_of(cmd['ip']), socket.SOCK_STREAM)
    code = s.connect_ex((cmd['ip'], cmd['port']))
    if code not in (0, errno.EINPROGRESS):
        s.close()
        return {'result': f'error:{os.strerror(code)}'}
    if not pump_until(s, selectors.EVENT_WRITE, lambda mask: True, cmd['timeout']):
        s.close()
        return {'result': 'drop'}
    code = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    line = read_line(s, cmd['timeout']) if code == 0 else f'error:{os.strerror(code)}'
    if line != cmd['expect']:
        s.close()
        return {'result': 'drop' if line is None else f'wrong:{line}'}
    conns[cmd['id']] = s
    return {'result': 'ok'}


def send_conn(cmd):
    s = conns[cmd['id']]
    try:
        s.send(b'echo\n')
    except OSError as e:
        return {'result': f'error:{e}'}
    line = read_line(s, cmd['timeout'])
    if line is None:
        return {'result': 'drop'}
    return {'result': 'ok' if line == 'echo' else line}


def handle(cmd):
    op = cmd['op']
    if op == 'listen':
        return listen(cmd)
    if op == 'probe':
        return {'results': run_probes(cmd['probes'], cmd['timeout'])}
    if op == 'open':
        return open_conn(cmd)
    if op == 'send':
        return send_conn(cmd)
    if op == 'close':
        conns.pop(cmd['id']).close()
        return {'ok': True}
    return {'error': f'unknown op {op}'}


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.set_blocking(0, False)
    sel.register(0, selectors.EVENT_READ, ('stdin',))
    pending = b''
    print(json.dumps({'ready': True}), flush=True)
    while True:
        for key, mask in sel.select(None):
            if key.data[0] != 'stdin':
                dispatch(key, mask)
                continue
            try:
                chunk = os.read(0, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                return
            pending += chunk
            # While a command runs it pumps the loop itself; stdin waits until it is done.
            sel.unregister(0)
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                try:
                    answer = handle(json.loads(line))
                except Exception as e:  # the suite reads the error; the lab keeps serving
                    answer = {'error': f'{type(e).__name__}: {e}'}
                print(json.dumps(answer), flush=True)
            sel.register(0, selectors.EVENT_READ, ('stdin',))


main()
