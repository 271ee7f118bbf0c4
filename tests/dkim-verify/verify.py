#!/usr/bin/python3
"""Verifies a message's DKIM signature with Debian's python3-dkim (dkimpy), an implementation
EmailRelay did not write, so the tests prove interoperability rather than agreement with ourselves.

    verify.py --dns 127.0.0.1:53535 MESSAGE      public keys from that DNS server (dnspython)
    verify.py --txt NAME VALUE MESSAGE           public key given directly (NAME = s._domainkey.d)

MESSAGE is a file, or '-' for standard input; its bytes are verified as they are.
Prints "pass" or "fail: <reason>" and exits 0 (valid), 1 (invalid) or 2 (no signature, bad usage).
Run it with /usr/bin/python3: the packages are Debian's (python3-dkim, python3-dnspython).
"""
import argparse
import logging
import sys

import dkim
import dns.resolver


def dns_lookup(server):
    host, port = server.rsplit(':', 1)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port)

    def lookup(name, timeout=5):
        try:
            answer = resolver.resolve(name.decode('ascii'), 'TXT', lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        return b''.join(answer[0].strings)

    return lookup


def fixed_lookup(name, value):
    def lookup(queried, timeout=5):
        return value.encode('ascii') if queried.decode('ascii').rstrip('.').lower() == name.rstrip('.').lower() else None

    return lookup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--dns', metavar='HOST:PORT')
    source.add_argument('--txt', nargs=2, metavar=('NAME', 'VALUE'))
    parser.add_argument('message')
    args = parser.parse_args()

    message = sys.stdin.buffer.read() if args.message == '-' else open(args.message, 'rb').read()
    if b'dkim-signature:' not in message.lower():
        print('fail: no DKIM-Signature field')
        return 2
    lookup = dns_lookup(args.dns) if args.dns else fixed_lookup(*args.txt)

    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format='%(message)s')
    log = logging.getLogger('dkim')
    try:
        valid = dkim.verify(message, logger=log, dnsfunc=lookup)
    except dkim.DKIMException as error:
        print('fail: %s' % error)
        return 1
    print('pass' if valid else 'fail: signature did not verify')
    return 0 if valid else 1


if __name__ == '__main__':
    sys.exit(main())
