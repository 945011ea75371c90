import { generate } from 'selfsigned';

export interface ServerTls {
  /** PEM of the CA certificate that signed the server's. */
  caCert: string;
  /** Base64 of that PEM, as EKS hands out `certificateAuthority.data`. */
  caData: string;
  key: string;
  cert: string;
}

/**
 * A fresh CA and a server certificate it signs, valid for `localhost`, 127.0.0.1 and ::1, made at start-up
 * so that clients verify the sandbox's TLS exactly as they verify an EKS endpoint: with the CA data only.
 */
export async function makeServerTls(cluster: string): Promise<ServerTls> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: `${cluster}-sandbox-ca` }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return {
    caCert: ca.cert,
    caData: Buffer.from(ca.cert).toString('base64'),
    key: server.private,
    cert: server.cert,
  };
}
