#!/usr/bin/python3
# One impaired Ethernet link of the lab (test/lab/wire.ts): a TAP device in the underlay
# netns (a port of its bridge) and a TAP device in a node netns (the node's eth0), joined by
# this process, which forwards frames between them with netem-like loss, delay, jitter and
# rate per direction. It exists because this kernel has no sch_netem, so `tc qdisc … netem`
# cannot be used; TAP rather than TUN so the node sits on a real L2 segment (ARP, VXLAN).
#
# usage (started inside the underlay netns): wire.py NODE_NETNS_FILE UNDERLAY_DEV NODE_DEV
# stdin: one JSON command a line, each answered by one JSON line on stdout:
#   {"dir": "up"|"down", "loss": %, "delay": ms, "jitter": ms, "rate": kbit}   up = node -> underlay
#   {"stats": true}
# EOF on stdin ends the process, and with it both TAP devices (they are not persistent).
import ctypes, fcntl, heapq, json, os, random, select, struct, sys, time

TUNSETIFF, IFF_TAP, IFF_NO_PI, CLONE_NEWNET = 0x400454CA, 0x0002, 0x1000, 0x40000000
QUEUE_LIMIT = 1000  # frames held per direction, as netem's default limit
ETHERNET_OVERHEAD = 24  # preamble, FCS and inter-frame gap: what a rate limit counts besides the frame


def open_tap(name):
    # The device is created in the netns the process is in when /dev/net/tun is opened.
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def enter_netns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    with open(path) as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + path)


def no_rule():
    return {'loss': 0.0, 'delay': 0.0, 'jitter': 0.0, 'rate': 0.0}


def main(netns_file, underlay_dev, node_dev):
    underlay = open_tap(underlay_dev)
    enter_netns(netns_file)
    node = open_tap(node_dev)
    # Frames read from a side travel in that side's direction and leave on the other side.
    route = {node: ('up', underlay), underlay: ('down', node)}
    rules = {d: no_rule() for d in ('up', 'down')}
    stats = {d: {'frames': 0, 'bytes': 0, 'dropped': 0} for d in ('up', 'down')}
    held = {'up': 0, 'down': 0}
    busy_until = {'up': 0.0, 'down': 0.0}  # when the rate-limited line is free again
    queue, seq, pending = [], 0, b''
    reply({'ready': True})
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([node, underlay, 0], [], [], timeout)
        for fd in readable:
            if fd == 0:
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                pending += chunk
                while b'\n' in pending:
                    line, pending = pending.split(b'\n', 1)
                    command(json.loads(line), rules, stats)
                continue
            try:
                frame = os.read(fd, 65536)
            except OSError:  # the device went down under us: nothing to read
                continue
            direction, out = route[fd]
            rule, count = rules[direction], stats[direction]
            if random.random() * 100 < rule['loss'] or held[direction] >= QUEUE_LIMIT:
                count['dropped'] += 1
                continue
            now = time.monotonic()
            leaves = now
            if rule['rate'] > 0:
                leaves = max(now, busy_until[direction]) + (len(frame) + ETHERNET_OVERHEAD) * 8 / (rule['rate'] * 1000)
                busy_until[direction] = leaves
            leaves += max(0.0, rule['delay'] + random.uniform(-rule['jitter'], rule['jitter'])) / 1000
            seq += 1
            held[direction] += 1
            heapq.heappush(queue, (leaves, seq, out, frame, direction))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame, direction = heapq.heappop(queue)
            held[direction] -= 1
            count = stats[direction]
            try:
                os.write(out, frame)
                count['frames'] += 1
                count['bytes'] += len(frame)
            except OSError:  # the device is down: the frame is lost, as on a wire
                count['dropped'] += 1


def command(cmd, rules, stats):
    if 'dir' in cmd:
        if cmd['dir'] not in rules:
            reply({'error': 'dir must be "up" or "down", not %r' % (cmd['dir'],)})
            return
        rules[cmd['dir']] = {k: float(cmd.get(k, 0)) for k in no_rule()}
    reply({'ok': True, 'rules': rules, 'stats': stats})


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    main(*sys.argv[1:4])
