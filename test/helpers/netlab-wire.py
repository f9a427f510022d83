#!/usr/bin/python3
# One impaired point-to-point link for test/helpers/netlab.ts: a TUN device in the server
# netns and one in a node netns, joined by this process, which forwards IP packets between
# them with netem-like loss, delay and jitter per direction, or drops everything (a dead
# WAN: silent, no RST, no ICMP). It exists because the kernels this project runs on may be
# built without sch_netem (and without nft queue), so `tc qdisc … netem` cannot be relied on.
#
# usage (started inside the server netns): netlab-wire.py NODE_NETNS_FILE SERVER_DEV NODE_DEV
# stdin: one JSON command a line, each answered by one JSON line on stdout:
#   {"dir": "up"|"down", "loss": %, "delay": ms, "jitter": ms}   up = node -> server
#   {"cut": true|false}                                           both directions
#   {"stats": true}                                               packets/bytes/dropped
# EOF on stdin ends the process, and with it both TUN devices (they are not persistent).
import ctypes, fcntl, heapq, json, os, random, select, struct, sys, time

TUNSETIFF, IFF_TUN, IFF_NO_PI, CLONE_NEWNET = 0x400454CA, 0x0001, 0x1000, 0x40000000
QUEUE_LIMIT = 1000  # packets held for delay, as netem's default limit


def open_tun(name):
    # The device is created in the netns the process is in when /dev/net/tun is opened.
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def enter_netns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    with open(path) as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + path)


def main(netns_file, server_dev, node_dev):
    server = open_tun(server_dev)
    enter_netns(netns_file)
    node = open_tun(node_dev)
    # Packets read from a side travel in that side's direction and leave on the other side.
    route = {node: ('up', server), server: ('down', node)}
    rules = {d: {'loss': 0.0, 'delay': 0.0, 'jitter': 0.0} for d in ('up', 'down')}
    stats = {d: {'packets': 0, 'bytes': 0, 'dropped': 0} for d in ('up', 'down')}
    cut, queue, seq, pending = False, [], 0, b''
    reply({'ready': True})
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([node, server, 0], [], [], timeout)
        for fd in readable:
            if fd == 0:
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                pending += chunk
                while b'\n' in pending:
                    line, pending = pending.split(b'\n', 1)
                    cut = command(json.loads(line), rules, stats, cut)
                continue
            packet = os.read(fd, 65536)
            direction, out = route[fd]
            rule, count = rules[direction], stats[direction]
            if cut or random.random() * 100 < rule['loss'] or len(queue) >= QUEUE_LIMIT:
                count['dropped'] += 1
                continue
            wait = max(0.0, rule['delay'] + random.uniform(-rule['jitter'], rule['jitter'])) / 1000
            seq += 1
            heapq.heappush(queue, (time.monotonic() + wait, seq, out, packet, count))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, packet, count = heapq.heappop(queue)
            if cut:  # packets still on the wire when it is cut are lost too
                count['dropped'] += 1
                continue
            try:
                os.write(out, packet)
                count['packets'] += 1
                count['bytes'] += len(packet)
            except OSError:  # the device is down: the packet is lost, as on a wire
                count['dropped'] += 1


def command(cmd, rules, stats, cut):
    if 'dir' in cmd:
        rules[cmd['dir']] = {k: float(cmd.get(k, 0)) for k in ('loss', 'delay', 'jitter')}
    if 'cut' in cmd:
        cut = bool(cmd['cut'])
    reply({'ok': True, 'cut': cut, 'rules': rules, 'stats': stats})
    return cut


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    main(*sys.argv[1:4])
