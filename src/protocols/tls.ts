/**
 * TLS for the worker's listeners: the certificate, key and client CAs read from their files, and
 * Node's server options built from the TLS settings. The arbiter checks the same files before it
 * spawns or rolls any worker (checkTls), so a missing file, a key that does not match its
 * certificate or a cipher list OpenSSL cannot match stops startup, or refuses a reload, naming the
 * setting, instead of failing inside every new worker.
 */
import { readFileSync } from 'node:fs'
import { createSecureContext, type TlsOptions } from 'node:tls'
import { corralError } from '../errors.js'

export interface TlsSettings {
  readonly certfile: string | null
  readonly keyfile: string | null
  readonly caCerts: string | null
  readonly certReqs: 'required' | 'optional' | 'none'
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3'
  /** An OpenSSL cipher list, or "default" for Node's. */
  readonly ciphers: string
}

type FileSetting = 'certfile' | 'keyfile' | 'caCerts'
/** Where a value came from, for the error message ("cli --certfile"); config.sources has it. */
export type Sources = Partial<Record<keyof TlsSettings, string>>

const settingError = (name: keyof TlsSettings, expected: string, value: unknown, why: string, sources: Sources) =>
  corralError('CORRAL_ERR_SETTING', name, expected, `${JSON.stringify(value)} (from ${sources[name] ?? 'the config'}): ${why}`)

const EXPECTED: Record<FileSetting, string> = {
  certfile: 'a readable PEM certificate file',
  keyfile: 'a readable, unencrypted PEM private key file matching --certfile',
  caCerts: 'a readable PEM file of CA certificates',
}

function readPem(name: FileSetting, path: string, sources: Sources): Buffer {
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw settingError(name, EXPECTED[name], path, e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message, sources)
  }
  if (!pem.includes('-----BEGIN ')) throw settingError(name, EXPECTED[name], path, 'the file holds no PEM block', sources)
  return pem
}

/** OpenSSL's reason, without its "error:0A0000B8:SSL routines::" prefix. */
const reason = (err: unknown) => String((err as Error)?.message ?? err).replace(/^error:[0-9A-F]+:[^:]*::?/i, '')

/**
 * Node's TLS server options for these settings, with the files read now. `handshakeTimeoutMs`
 * bounds a client that opens a connection and never finishes the handshake (a TLS slowloris).
 * Throws CORRAL_ERR_SETTING naming the setting at fault.
 */
export function tlsOptions(s: TlsSettings, handshakeTimeoutMs: number, sources: Sources = {}): TlsOptions {
  if (s.certfile === null) throw settingError('certfile', EXPECTED.certfile, null, 'TLS needs a certificate', sources)
  if (s.keyfile === null) throw settingError('keyfile', EXPECTED.keyfile, null, '--certfile is given without its key', sources)
  const cert = readPem('certfile', s.certfile, sources)
  const key = readPem('keyfile', s.keyfile, sources)
  const ca = s.caCerts === null ? undefined : readPem('caCerts', s.caCerts, sources)
  // Each part alone first, so the error names the file or setting that is wrong.
  const tryPart = (name: keyof TlsSettings, value: unknown, expected: string, options: TlsOptions) => {
    try { createSecureContext(options) } catch (err) { throw settingError(name, expected, value, reason(err), sources) }
  }
  tryPart('certfile', s.certfile, EXPECTED.certfile, { cert })
  tryPart('keyfile', s.keyfile, EXPECTED.keyfile, { key })
  if (ca) tryPart('caCerts', s.caCerts, EXPECTED.caCerts, { ca })
  if (s.ciphers !== 'default') tryPart('ciphers', s.ciphers, 'an OpenSSL cipher list that matches at least one cipher', { ciphers: s.ciphers })
  tryPart('keyfile', s.keyfile, EXPECTED.keyfile, { cert, key })
  const askForCert = ca !== undefined && s.certReqs !== 'none'
  return {
    cert,
    key,
    ca,
    minVersion: s.tlsMinVersion,
    ...(s.ciphers !== 'default' ? { ciphers: s.ciphers } : {}),
    requestCert: askForCert,
    rejectUnauthorized: askForCert && s.certReqs === 'required',
    handshakeTimeout: handshakeTimeoutMs > 0 ? handshakeTimeoutMs : 120_000,
  }
}

export const tlsEnabled = (s: Pick<TlsSettings, 'certfile'>) => s.certfile !== null
