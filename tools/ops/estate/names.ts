import type { Criticality } from "../vocabulary.js";

/** Business domains of the sample company; each becomes a service per environment. Platform domains come first so that small estates still have them. */
export interface Domain {
  key: string;
  title: string;
  blurb: string;
  criticality: Criticality;
  /** Other apps call this domain's apps: shared dependencies. */
  platform?: boolean;
}

/** The 50 business domains, platform ones early. */
export const DOMAINS: readonly Domain[] = [
  { key: "orders", title: "Orders", blurb: "order capture and order history", criticality: "critical" },
  { key: "identity", title: "Identity", blurb: "login, tokens and sessions", criticality: "critical", platform: true },
  { key: "messaging", title: "Messaging", blurb: "event bus and queues", criticality: "critical", platform: true },
  { key: "checkout", title: "Checkout", blurb: "basket to payment flow", criticality: "critical" },
  { key: "payments", title: "Payments", blurb: "card and wallet payments", criticality: "critical" },
  { key: "inventory", title: "Inventory", blurb: "stock levels and reservations", criticality: "high" },
  { key: "feature-flags", title: "Feature Flags", blurb: "feature toggles and rollouts", criticality: "high", platform: true },
  { key: "catalog", title: "Catalog", blurb: "product catalogue", criticality: "high" },
  { key: "search", title: "Search", blurb: "product and content search", criticality: "high" },
  { key: "pricing", title: "Pricing", blurb: "prices, discounts and quotes", criticality: "high" },
  { key: "shipping", title: "Shipping", blurb: "carrier booking and labels", criticality: "high" },
  { key: "cart", title: "Cart", blurb: "shopping baskets", criticality: "high" },
  { key: "notifications", title: "Notifications", blurb: "email, SMS and push fan-out", criticality: "medium", platform: true },
  { key: "billing", title: "Billing", blurb: "invoices and statements", criticality: "high" },
  { key: "fraud", title: "Fraud", blurb: "risk scoring of orders", criticality: "high" },
  { key: "customer", title: "Customer", blurb: "customer profiles", criticality: "high" },
  { key: "fulfilment", title: "Fulfilment", blurb: "pick, pack and ship", criticality: "high" },
  { key: "returns", title: "Returns", blurb: "returns and refunds", criticality: "medium" },
  { key: "loyalty", title: "Loyalty", blurb: "points and rewards", criticality: "medium" },
  { key: "recommendations", title: "Recommendations", blurb: "personalised product suggestions", criticality: "medium" },
  { key: "reviews", title: "Reviews", blurb: "ratings and reviews", criticality: "low" },
  { key: "tax", title: "Tax", blurb: "tax calculation", criticality: "high" },
  { key: "ledger", title: "Ledger", blurb: "double-entry accounting ledger", criticality: "critical" },
  { key: "warehouse", title: "Warehouse", blurb: "warehouse management", criticality: "high" },
  { key: "tracking", title: "Tracking", blurb: "parcel tracking", criticality: "medium" },
  { key: "promotions", title: "Promotions", blurb: "campaigns and vouchers", criticality: "medium" },
  { key: "subscriptions", title: "Subscriptions", blurb: "recurring orders", criticality: "medium" },
  { key: "support", title: "Support", blurb: "customer support tooling", criticality: "medium" },
  { key: "reporting", title: "Reporting", blurb: "business reports", criticality: "low" },
  { key: "analytics", title: "Analytics", blurb: "clickstream and KPIs", criticality: "low" },
  { key: "media", title: "Media", blurb: "images and video assets", criticality: "medium" },
  { key: "content", title: "Content", blurb: "CMS and landing pages", criticality: "medium" },
  { key: "storefront", title: "Storefront", blurb: "web shop front end", criticality: "critical" },
  { key: "mobile-bff", title: "Mobile BFF", blurb: "backend for the mobile apps", criticality: "critical" },
  { key: "partners", title: "Partners", blurb: "partner and affiliate APIs", criticality: "medium" },
  { key: "marketplace", title: "Marketplace", blurb: "third-party sellers", criticality: "high" },
  { key: "currency", title: "Currency", blurb: "exchange rates", criticality: "medium" },
  { key: "geo", title: "Geo", blurb: "addresses and geocoding", criticality: "medium" },
  { key: "audit", title: "Audit", blurb: "audit trail", criticality: "medium" },
  { key: "compliance", title: "Compliance", blurb: "KYC and sanctions screening", criticality: "high" },
  { key: "scheduling", title: "Scheduling", blurb: "delivery slots", criticality: "medium" },
  { key: "experiments", title: "Experiments", blurb: "A/B testing", criticality: "low" },
  { key: "ads", title: "Ads", blurb: "sponsored listings", criticality: "low" },
  { key: "i18n", title: "Localisation", blurb: "translations", criticality: "low" },
  { key: "wishlist", title: "Wishlist", blurb: "saved items", criticality: "low" },
  { key: "sessions", title: "Sessions", blurb: "session store", criticality: "critical", platform: true },
  { key: "invoicing", title: "Invoicing", blurb: "B2B invoicing", criticality: "medium" },
  { key: "procurement", title: "Procurement", blurb: "supplier purchase orders", criticality: "medium" },
  { key: "forecasting", title: "Forecasting", blurb: "demand forecasting", criticality: "low" },
  { key: "chat", title: "Chat", blurb: "live chat with agents", criticality: "medium" },
];

/** Application components, in call order: earlier components call later ones (so sibling calls form no cycles). */
export const COMPONENTS = [
  "gateway",
  "web",
  "graphql",
  "api",
  "admin",
  "worker",
  "consumer",
  "scheduler",
  "notifier",
  "indexer",
  "exporter",
  "importer",
  "batch",
  "cache",
] as const;
/** Components that take traffic from a load balancer. */
export const FRONT_COMPONENTS = new Set(["gateway", "web", "graphql", "api", "admin"]);

/** Weighted vocabularies for attributes. */
export const LANGUAGES: ReadonlyArray<readonly [string, number]> = [
  ["java", 5],
  ["go", 4],
  ["python", 3],
  ["node", 3],
  ["kotlin", 1],
  ["ruby", 1],
];

export const DB_ENGINES: ReadonlyArray<readonly [string, number]> = [
  ["postgresql", 6],
  ["mysql", 3],
  ["mongodb", 2],
  ["redis", 2],
  ["cassandra", 1],
];
export const ENGINE_VERSIONS: Record<string, readonly string[]> = {
  postgresql: ["13.14", "14.11", "15.6", "16.2"],
  mysql: ["5.7.44", "8.0.36"],
  mongodb: ["5.0.24", "6.0.14", "7.0.6"],
  redis: ["6.2.14", "7.2.4"],
  cassandra: ["3.11.16", "4.1.4"],
};
export const ENGINE_TITLES: Record<string, string> = { postgresql: "PostgreSQL", mysql: "MySQL", mongodb: "MongoDB", redis: "Redis", cassandra: "Cassandra" };
export const ENGINE_PORTS: Record<string, number> = { postgresql: 5432, mysql: 3306, mongodb: 27017, redis: 6379, cassandra: 9042 };

export const VM_OS: ReadonlyArray<readonly [string, number]> = [
  ["ubuntu-22.04", 6],
  ["ubuntu-20.04", 2],
  ["rhel-9.3", 2],
  ["debian-12", 2],
  ["windows-2022", 1],
];
export const VM_SIZES: ReadonlyArray<readonly [readonly [number, number], number]> = [
  [[2, 4], 2],
  [[4, 8], 4],
  [[4, 16], 4],
  [[8, 32], 3],
  [[16, 64], 1],
];
export const HOST_MODELS: ReadonlyArray<readonly [readonly [string, string, number, number], number]> = [
  [["dell", "PowerEdge R750", 64, 512], 4],
  [["dell", "PowerEdge R650", 48, 384], 3],
  [["hpe", "ProLiant DL380 Gen10", 56, 512], 3],
  [["lenovo", "ThinkSystem SR650", 64, 768], 1],
];
export const PEOPLE = ["a.novak", "j.smith", "m.garcia", "l.chen", "p.kumar", "s.muller", "k.tanaka", "r.silva", "e.olsen", "d.okafor"];

/** Where services of each environment live, weighted. */
export const LOCATION_WEIGHTS = {
  prod: [["fra1", 45], ["iad1", 35], ["sin1", 20]],
  staging: [["fra1", 60], ["iad1", 40]],
  dev: [["fra1", 1]],
} as const satisfies Record<string, ReadonlyArray<readonly [string, number]>>;

/** Environment spellings in ids, suffixes and descriptions. */
export const ENV_CODE = { prod: "prod", staging: "stg", dev: "dev" } as const;
export const ENV_SUFFIX = { prod: "", staging: "-stg", dev: "-dev" } as const;
export const ENV_LABEL = { prod: "production", staging: "staging", dev: "development" } as const;

const UPPER_WORDS = new Set(["api", "bff", "db", "vm", "lb"]);

/** `mobile-bff` → `Mobile BFF`. */
export function titleCase(key: string): string {
  return key
    .split("-")
    .map((w) => (UPPER_WORDS.has(w) ? w.toUpperCase() : w[0]!.toUpperCase() + w.slice(1)))
    .join(" ");
}

/** `pad(7, 4)` → `0007`. */
export function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
