/**
 * Whether a URL's host names the gateway's own machine or private network, by name or IP
 * literal. The handshake and every notification are POSTs the gateway makes to an address a
 * subscriber chose: to such a host they would reach services that trust the gateway's network
 * (a cloud metadata endpoint, an admin port) on the subscriber's behalf (SSRF). A public name
 * that resolves to a private address is not caught here: that needs the resolved address at
 * send time.
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '') return true;
  const v4 = ipv4(host) ?? ipv4(mappedV4(host));
  if (v4) return privateV4(v4);
  if (!host.includes(':')) return false;
  // An IPv6 literal is public only in global unicast (2000::/3), and not 6to4 (2002::/16), which
  // embeds an IPv4 address. Everything else (loopback, unspecified, IPv4-compatible ::a.b.c.d,
  // NAT64 64:ff9b::/96, unique and site-local, link-local, multicast) may lead inside (red team).
  return !/^[23][0-9a-f]{0,3}:/.test(host) || /^2002:/.test(host);
}

function ipv4(host: string | undefined): number[] | undefined {
  const m = host ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host) : null;
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** `::ffff:a.b.c.d`, as WHATWG URL writes it (`::ffff:7f00:1`). */
function mappedV4(host: string): string | undefined {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!m) return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
  const [hi, lo] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function privateV4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    a! >= 224
  );
}
