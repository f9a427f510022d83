// The shapes of the Kubernetes objects this component reads (core/v1 Service and Endpoints),
// only the fields it uses. They arrive as JSON from the node's local view, so every field is
// checked at run time (view.ts) before it is trusted.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  ports?: ServicePort[];
  externalName?: string;
  sessionAffinity?: string;
}

export interface Service {
  metadata: ObjectMeta;
  spec?: ServiceSpec;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints {
  metadata: ObjectMeta;
  subsets?: EndpointSubset[];
}
