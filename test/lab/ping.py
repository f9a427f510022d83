#!/usr/bin/python3
# ICMP echo for the lab's tests: Debian's slim images lack iputils' ping and busybox's cannot
# forbid fragmentation (`ping -M do`). Sends COUNT echo requests of SIZE data bytes every
# INTERVAL seconds, waits up to WAIT seconds for late replies, and prints one JSON line:
# {"sent", "received", "rtts": [ms per reply], "errors": {errno name: count}, "fragNeeded"}.
# With --df the Don't Fragment bit is set and the kernel refuses to fragment (EMSGSIZE for a
# packet over the route's MTU; an ICMP "fragmentation needed" from a router on the path).
#
# usage: ping.py DST [--count N] [--size BYTES] [--interval S] [--wait S] [--df]
import argparse, errno, json, os, select, socket, struct, time

IP_MTU_DISCOVER, IP_PMTUDISC_DO = 10, 2


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(ident, seq, size):
    payload = bytes((i & 0xFF) for i in range(size))
    header = struct.pack('!BBHHH', 8, 0, 0, ident, seq)
    return struct.pack('!BBHHH', 8, 0, checksum(header + payload), ident, seq) + payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('dst')
    parser.add_argument('--count', type=int, default=1)
    parser.add_argument('--size', type=int, default=56)
    parser.add_argument('--interval', type=float, default=0.2)
    parser.add_argument('--wait', type=float, default=2.0)
    parser.add_argument('--df', action='store_true')
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if args.df:
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    ident = os.getpid() & 0xFFFF
    dst = socket.gethostbyname(args.dst)
    sent_at, rtts, errors, frag_needed = {}, [], {}, 0
    next_send, seq = time.monotonic(), 0
    deadline = None
    while True:
        now = time.monotonic()
        if seq < args.count and now >= next_send:
            seq += 1
            request = echo_request(ident, seq, args.size)
            # Stamped before the send: a process descheduled right after sendto must not
            # shorten the round trip it reports (CI saw 78.8 ms through a 2 x 40 ms delay).
            stamp = time.monotonic()
            try:
                sock.sendto(request, (dst, 0))
                sent_at[seq] = stamp
            except OSError as e:
                name = errno.errorcode.get(e.errno, str(e.errno))
                errors[name] = errors.get(name, 0) + 1
            next_send = now + args.interval
            if seq == args.count:
                deadline = time.monotonic() + args.wait
        if deadline is not None and (time.monotonic() >= deadline or not sent_at):
            break
        until = deadline if seq >= args.count else next_send
        readable, _, _ = select.select([sock], [], [], max(0.0, until - time.monotonic()))
        if not readable:
            continue
        packet, (source, _) = sock.recvfrom(65536)
        header_length = (packet[0] & 0x0F) * 4
        kind, code, _, r_ident, r_seq = struct.unpack('!BBHHH', packet[header_length:header_length + 8])
        if kind == 0 and r_ident == ident and source == dst and r_seq in sent_at:
            rtts.append(round((time.monotonic() - sent_at.pop(r_seq)) * 1000, 3))
        elif kind == 3 and code == 4:
            # The quoted original starts 8 bytes in: its IP header, then our echo header.
            inner = packet[header_length + 8:]
            inner_ident = struct.unpack('!H', inner[(inner[0] & 0x0F) * 4 + 4:][:2])[0] if len(inner) >= 28 else None
            if inner_ident == ident:
                frag_needed += 1
    sent = seq - sum(errors.values())
    print(json.dumps({'sent': sent, 'received': len(rtts), 'rtts': rtts, 'errors': errors, 'fragNeeded': frag_needed}))


if __name__ == '__main__':
    main()
