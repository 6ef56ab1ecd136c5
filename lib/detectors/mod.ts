export { buildDetectors, DetectorConfigError, registry } from "./registry.ts";
export { type Detector, type Firing, grade, multiplicity } from "./detector.ts";
export { bruteForce } from "./brute_force.ts";
export { slowBruteForce } from "./slow_brute_force.ts";
export { portScan } from "./port_scan.ts";
export { rateBurst } from "./rate_burst.ts";
