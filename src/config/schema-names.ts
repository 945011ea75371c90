import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name (DNS label): environments, services, namespaces and Deployments. */
export const k8sName = z
  .string()
  .max(63)
  .regex(DNS_LABEL, 'must be a Kubernetes name: lower-case letters, digits and "-", e.g. "checkout-blue"');
