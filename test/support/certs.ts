/**
 * Certificates made by the test, with openssl (Debian's, as TLS users have it): a CA, a server
 * certificate for 127.0.0.1/localhost signed by it, and a client certificate for mutual TLS.
 * EC keys, so the whole set takes a few milliseconds of openssl.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { X509Certificate } from 'node:crypto'

export interface Pair { cert: string; key: string }
export interface Certs { dir: string; ca: Pair; server: Pair; client: Pair }

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })

function newKey(dir: string, name: string): string {
  const key = join(dir, `${name}.key`)
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], dir)
  return key
}

/** A certificate for `cn` signed by `ca` (self-signed when ca is undefined). */
export function issue(dir: string, name: string, cn: string, ca?: Pair, ext = ''): Pair {
  const key = newKey(dir, name)
  const cert = join(dir, `${name}.pem`)
  const extFile = join(dir, `${name}.ext`)
  writeFileSync(extFile, ext || 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n')
  if (ca === undefined) {
    openssl(['req', '-x509', '-new', '-key', key, '-subj', `/CN=${cn}`, '-days', '2', '-out', cert, '-extensions', 'v3', '-config', configFile(dir, extFile)], dir)
  } else {
    const csr = join(dir, `${name}.csr`)
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr], dir)
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', extFile], dir)
  }
  return { cert, key }
}

function configFile(dir: string, extFile: string): string {
  const file = join(dir, 'openssl.cnf')
  writeFileSync(file, `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${readFileSync(extFile, 'utf8')}`)
  return file
}

const SERVER_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'
const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'

/** A fresh CA with a server and a client certificate, in a temporary folder. */
export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'corral-certs-'))
  const ca = issue(dir, 'ca', 'corral test CA')
  return { dir, ca, server: issue(dir, 'server', 'localhost', ca, SERVER_EXT), client: issue(dir, 'client', 'test client', ca, CLIENT_EXT) }
}

/** Another server certificate from the same CA, for a renewal. */
export const renewServer = (c: Certs, name: string): Pair => issue(c.dir, name, 'localhost', c.ca, SERVER_EXT)

export const fingerprint = (pem: string) => new X509Certificate(readFileSync(pem)).fingerprint256
