/**
 * Every documented walk-through: the README sections that tell a reader to run commands in
 * order. Each runs top to bottom, as written, in a fresh checkout against a fresh platform
 * (walkthroughs.e2e.test.ts). A new walk-through section gets a line here.
 */
export interface Walkthrough {
  name: string;
  /** Markdown file, relative to the repository root. */
  file: string;
  /** Headings whose sh blocks make up the walk-through, in document order; all of the file's without. */
  sections?: string[];
}

export const WALKTHROUGHS: Walkthrough[] = [
  {
    name: "the root README: curl, the job events, then the CLI",
    file: "README.md",
    sections: ["Try it with curl", "API reference and live job events", "The CLI"],
  },
  {
    name: "the market README: using the market with the platform",
    file: "apps/market/README.md",
    sections: ["Using the market with the platform"],
  },
  {
    name: "the SDK README: writing, testing, packing and signing a plugin",
    file: "packages/sdk/README.md",
    sections: ["2. Test it with the harness", "3. Pack it", "4. Sign it"],
  },
  {
    name: "docs/upgrading.md",
    file: "docs/upgrading.md",
  },
];

/**
 * The one change the runner makes to a block: the documented ports become free ones, so a
 * walk-through never meets another platform on 8080 (a developer's `npm start`, a parallel run).
 * `npm start` and the CLI get the same port through ARCADE_SERVER_PORT and ARCADE_API_URL.
 */
export const DOCUMENTED_PORTS = { api: 8080, market: 8090 } as const;
