/**
 * Planted client segments of the two demo banks. Each segment fixes a profile (age, income,
 * regions, gender, needs) and the probability that one of its clients accepts an offer of each
 * service; the generator draws interaction histories from them, so a recommender that finds the
 * segments finds real structure.
 */

/** Region slugs of the demo (index = value of `ClientFeatureColumns.region`). */
export const DEMO_REGIONS = [
  "msk",
  "spb",
  "ekaterinburg",
  "novosibirsk",
  "krasnoyarsk",
  "kazan",
  "tyumen",
  "krasnodar",
] as const;

/** Needs tags of the demo (index = value of `ClientFeatureColumns.needsIdx`). */
export const DEMO_NEEDS = [
  "credit",
  "savings",
  "investing",
  "housing",
  "car",
  "family",
  "children",
  "health",
  "sport",
  "travel",
  "mobile",
  "home-internet",
  "groceries",
  "education",
  "business",
  "retirement",
  "insurance",
  "cashback",
] as const;

export type DemoRegion = (typeof DEMO_REGIONS)[number];
export type DemoNeed = (typeof DEMO_NEEDS)[number];
export type DemoPreset = "demo" | "alt";

/** Relative weights of the regions where a segment's clients live. */
const BIG_CITIES: Partial<Record<DemoRegion, number>> = {
  msk: 45,
  spb: 25,
  ekaterinburg: 10,
  novosibirsk: 10,
  kazan: 10,
};
const COUNTRYWIDE: Partial<Record<DemoRegion, number>> = {
  msk: 25,
  spb: 15,
  ekaterinburg: 10,
  novosibirsk: 10,
  krasnoyarsk: 10,
  kazan: 10,
  tyumen: 10,
  krasnodar: 10,
};
const REGIONAL: Partial<Record<DemoRegion, number>> = {
  msk: 8,
  spb: 7,
  ekaterinburg: 12,
  novosibirsk: 12,
  krasnoyarsk: 18,
  kazan: 13,
  tyumen: 15,
  krasnodar: 15,
};

export interface SegmentDefinition {
  code: string;
  description: string;
  /** Relative size of the segment within the client base. */
  share: number;
  ageMin: number;
  ageMax: number;
  /** Median monthly income in RUB; incomes are log-normal around it. */
  incomeMedian: number;
  /** Standard deviation of log income. */
  incomeSpread: number;
  regions: Partial<Record<DemoRegion, number>>;
  /** Probability that a client with a known gender is female. */
  femaleShare: number;
  /** Probability of each needs tag. */
  needs: Partial<Record<DemoNeed, number>>;
  /** P(accept | offered) per service code; services not listed use the preset's noise level. */
  acceptance: Record<string, number>;
  /**
   * Services the companies push hard to this segment although it rarely wants them: extra
   * probability of an offer, which mostly ends declined.
   */
  pushedOffers?: Record<string, number>;
  /** The services that define the segment (tests check that their take-up is concentrated here). */
  signature: string[];
}

export interface PresetDefinition {
  preset: DemoPreset;
  segments: SegmentDefinition[];
  /** Acceptance probability of services a segment has no affinity for. */
  noiseAcceptance: number;
  /** Probability that an unrelated service was offered to a client anyway (cold offers, declined). */
  coldOfferRate: number;
  /** How much affinity raises the chance of an offer: P(offer) = cold + offerGain × acceptance. */
  offerGain: number;
  /** Probability that a client also carries the interests of a second segment. */
  mixingRate: number;
  /** Weight of the second segment's acceptance for mixed clients (max of the two is used). */
  mixingWeight: number;
  /** Standard deviation of the log of the per-client activity multiplier. */
  activitySpread: number;
  /** Share of clients whose gender the CRM does not send. */
  unknownGenderShare: number;
}

const DEMO_SEGMENTS: SegmentDefinition[] = [
  {
    code: "young-professionals",
    description: "25–34, mid-high income, big cities: cards, fitness, mobile",
    share: 17,
    ageMin: 25,
    ageMax: 34,
    incomeMedian: 120_000,
    incomeSpread: 0.35,
    regions: BIG_CITIES,
    femaleShare: 0.5,
    needs: { sport: 0.6, cashback: 0.5, mobile: 0.5, travel: 0.4, credit: 0.3, investing: 0.2, groceries: 0.3 },
    acceptance: {
      "expo-debit-card": 0.7,
      "expo-salary-card": 0.45,
      "expo-credit-card": 0.6,
      "expo-cashback-card": 0.45,
      "fitpuls-membership": 0.65,
      "fitpuls-personal-training": 0.25,
      "volna-mobile": 0.55,
      "seversvyaz-mobile": 0.3,
      "volna-home-internet": 0.3,
      "korzina-delivery": 0.45,
      "expo-travel-insurance": 0.3,
      "shchit-travel": 0.2,
      "expo-investments": 0.2,
    },
    signature: ["fitpuls-membership", "expo-credit-card", "volna-mobile"],
  },
  {
    code: "families-with-mortgage",
    description: "30–45, families: mortgage, property and life insurance, home and children",
    share: 15,
    ageMin: 30,
    ageMax: 45,
    incomeMedian: 110_000,
    incomeSpread: 0.3,
    regions: COUNTRYWIDE,
    femaleShare: 0.55,
    needs: { housing: 0.8, family: 0.8, children: 0.6, insurance: 0.4, groceries: 0.5, "home-internet": 0.4 },
    acceptance: {
      "expo-mortgage": 0.85,
      "expo-property-insurance": 0.6,
      "shchit-property": 0.35,
      "expo-life-insurance": 0.5,
      "shchit-life": 0.3,
      "korzina-home-goods": 0.45,
      "korzina-kids": 0.45,
      "fitpuls-kids": 0.3,
      "volna-family-plan": 0.4,
      "volna-home-internet": 0.4,
      "seversvyaz-internet": 0.3,
      "seversvyaz-smart-home": 0.15,
      "expo-debit-card": 0.7,
      "expo-salary-card": 0.5,
      "korzina-delivery": 0.3,
    },
    signature: ["expo-mortgage", "expo-property-insurance", "expo-life-insurance"],
  },
  {
    code: "retirees",
    description: "60+, modest income: deposits, pharmacy, TV; credit offers get declined",
    share: 14,
    ageMin: 60,
    ageMax: 82,
    incomeMedian: 32_000,
    incomeSpread: 0.3,
    regions: REGIONAL,
    femaleShare: 0.62,
    needs: { retirement: 0.8, health: 0.8, savings: 0.6 },
    acceptance: {
      "expo-pension-deposit": 0.7,
      "expo-deposit": 0.4,
      "zdravitsa-pharmacy-club": 0.65,
      "zdravitsa-medicine-delivery": 0.3,
      "zdravitsa-checkup": 0.35,
      "korzina-pharmacy": 0.3,
      "expo-debit-card": 0.5,
      "volna-tv": 0.35,
      "volna-mobile": 0.25,
    },
    pushedOffers: { "expo-credit-card": 0.4, "expo-cash-loan": 0.3 },
    signature: ["expo-pension-deposit", "zdravitsa-pharmacy-club"],
  },
  {
    code: "students",
    description: "18–23, low income, big cities: youth card, mobile, delivery",
    share: 10,
    ageMin: 18,
    ageMax: 23,
    incomeMedian: 22_000,
    incomeSpread: 0.4,
    regions: BIG_CITIES,
    femaleShare: 0.5,
    needs: { education: 0.9, mobile: 0.7, sport: 0.3, groceries: 0.3 },
    acceptance: {
      "expo-student-card": 0.75,
      "volna-mobile": 0.45,
      "seversvyaz-mobile": 0.4,
      "fitpuls-membership": 0.25,
      "korzina-delivery": 0.35,
      "korzina-loyalty": 0.4,
      "expo-debit-card": 0.3,
    },
    pushedOffers: { "expo-credit-card": 0.3 },
    signature: ["expo-student-card"],
  },
  {
    code: "car-owners",
    description: "28–55, drivers: car loan, motor insurance, maintenance",
    share: 13,
    ageMin: 28,
    ageMax: 55,
    incomeMedian: 95_000,
    incomeSpread: 0.3,
    regions: COUNTRYWIDE,
    femaleShare: 0.25,
    needs: { car: 0.9, insurance: 0.5, credit: 0.3 },
    acceptance: {
      "expo-car-loan": 0.6,
      "shchit-osago": 0.75,
      "shchit-kasko": 0.4,
      "avtodrive-service": 0.5,
      "avtodrive-tires": 0.35,
      "avtodrive-trade-in": 0.15,
      "expo-credit-card": 0.3,
      "expo-cashback-card": 0.25,
      "expo-debit-card": 0.6,
    },
    signature: ["shchit-osago", "expo-car-loan", "avtodrive-service"],
  },
  {
    code: "affluent-investors",
    description: "35–60, high income, big cities: premium card, investments, travel, health",
    share: 8,
    ageMin: 35,
    ageMax: 60,
    incomeMedian: 320_000,
    incomeSpread: 0.4,
    regions: BIG_CITIES,
    femaleShare: 0.4,
    needs: { investing: 0.9, travel: 0.7, savings: 0.5, health: 0.4 },
    acceptance: {
      "expo-premium-card": 0.65,
      "expo-investments": 0.6,
      "expo-iis": 0.45,
      "expo-deposit": 0.5,
      "expo-savings-account": 0.4,
      "expo-travel-insurance": 0.45,
      "shchit-travel": 0.3,
      "shchit-health": 0.4,
      "fitpuls-personal-training": 0.3,
      "fitpuls-pool": 0.3,
      "seversvyaz-smart-home": 0.25,
    },
    signature: ["expo-premium-card", "expo-investments"],
  },
  {
    code: "entrepreneurs",
    description: "30–50, business owners: business account, working capital, mobile",
    share: 8,
    ageMin: 30,
    ageMax: 50,
    incomeMedian: 160_000,
    incomeSpread: 0.5,
    regions: COUNTRYWIDE,
    femaleShare: 0.35,
    needs: { business: 0.95, credit: 0.5, mobile: 0.4 },
    acceptance: {
      "expo-sme-account": 0.75,
      "expo-cash-loan": 0.35,
      "expo-credit-card": 0.4,
      "volna-mobile": 0.35,
      "seversvyaz-mobile": 0.35,
      "shchit-osago": 0.25,
      "shchit-health": 0.2,
      "expo-debit-card": 0.5,
    },
    signature: ["expo-sme-account"],
  },
  {
    code: "credit-seekers",
    description: "23–50, lower income, regions: cash loans, refinancing, cashback; savings offers declined",
    share: 15,
    ageMin: 23,
    ageMax: 50,
    incomeMedian: 48_000,
    incomeSpread: 0.3,
    regions: REGIONAL,
    femaleShare: 0.5,
    needs: { credit: 0.9, cashback: 0.5, groceries: 0.5 },
    acceptance: {
      "expo-cash-loan": 0.55,
      "expo-refinancing": 0.45,
      "expo-credit-card": 0.35,
      "expo-cashback-card": 0.3,
      "korzina-loyalty": 0.45,
      "korzina-delivery": 0.2,
      "expo-debit-card": 0.6,
    },
    pushedOffers: { "expo-deposit": 0.3, "expo-investments": 0.3 },
    signature: ["expo-cash-loan", "expo-refinancing"],
  },
];

/**
 * The second bank: fewer, broader segments with other affinities (the other telco, the insurer
 * rather than the bank's insurance arm), much more mixing between segments and more cold offers.
 */
const ALT_SEGMENTS: SegmentDefinition[] = [
  {
    code: "digital-natives",
    description: "20–32, online everything: the other telco, delivery, cashback, investing apps",
    share: 20,
    ageMin: 20,
    ageMax: 32,
    incomeMedian: 70_000,
    incomeSpread: 0.45,
    regions: BIG_CITIES,
    femaleShare: 0.5,
    needs: { mobile: 0.7, groceries: 0.5, cashback: 0.5, investing: 0.3 },
    acceptance: {
      "seversvyaz-mobile": 0.6,
      "seversvyaz-internet": 0.45,
      "korzina-delivery": 0.55,
      "expo-cashback-card": 0.5,
      "expo-investments": 0.35,
      "fitpuls-membership": 0.3,
      "zdravitsa-medicine-delivery": 0.3,
      "expo-debit-card": 0.4,
    },
    pushedOffers: { "volna-mobile": 0.3 },
    signature: ["seversvyaz-mobile", "korzina-delivery"],
  },
  {
    code: "suburban-car-families",
    description: "30–50, suburbs: car and home at once, insurance from the insurer",
    share: 20,
    ageMin: 30,
    ageMax: 50,
    incomeMedian: 100_000,
    incomeSpread: 0.3,
    regions: REGIONAL,
    femaleShare: 0.45,
    needs: { car: 0.7, housing: 0.6, family: 0.7, children: 0.5, insurance: 0.5 },
    acceptance: {
      "expo-car-loan": 0.5,
      "shchit-kasko": 0.55,
      "shchit-osago": 0.6,
      "expo-mortgage": 0.5,
      "shchit-property": 0.5,
      "korzina-home-goods": 0.4,
      "korzina-kids": 0.35,
      "avtodrive-tires": 0.4,
      "volna-family-plan": 0.35,
    },
    pushedOffers: { "expo-property-insurance": 0.4 },
    signature: ["shchit-kasko", "shchit-osago"],
  },
  {
    code: "health-conscious",
    description: "25–55, health first: fitness, health and life insurance, check-ups",
    share: 15,
    ageMin: 25,
    ageMax: 55,
    incomeMedian: 90_000,
    incomeSpread: 0.35,
    regions: COUNTRYWIDE,
    femaleShare: 0.65,
    needs: { health: 0.9, sport: 0.8, insurance: 0.4 },
    acceptance: {
      "fitpuls-membership": 0.6,
      "fitpuls-pool": 0.45,
      "fitpuls-personal-training": 0.35,
      "shchit-health": 0.5,
      "shchit-life": 0.45,
      "zdravitsa-checkup": 0.45,
      "zdravitsa-pharmacy-club": 0.3,
      "expo-savings-account": 0.3,
      "expo-salary-card": 0.3,
    },
    signature: ["fitpuls-pool", "shchit-health"],
  },
  {
    code: "savers-50-plus",
    description: "50–75, savers: deposits, TV and internet at home, pharmacy",
    share: 18,
    ageMin: 50,
    ageMax: 75,
    incomeMedian: 45_000,
    incomeSpread: 0.35,
    regions: REGIONAL,
    femaleShare: 0.58,
    needs: { savings: 0.8, retirement: 0.5, health: 0.6, "home-internet": 0.3 },
    acceptance: {
      "expo-deposit": 0.6,
      "expo-pension-deposit": 0.45,
      "expo-savings-account": 0.4,
      "volna-tv": 0.4,
      "volna-home-internet": 0.3,
      "zdravitsa-pharmacy-club": 0.45,
      "korzina-pharmacy": 0.35,
      "expo-life-insurance": 0.3,
      "expo-debit-card": 0.5,
    },
    pushedOffers: { "expo-investments": 0.4, "expo-credit-card": 0.4 },
    signature: ["expo-deposit", "volna-tv"],
  },
  {
    code: "small-business",
    description: "28–55, small business: account, loans, refinancing, work mobile",
    share: 12,
    ageMin: 28,
    ageMax: 55,
    incomeMedian: 150_000,
    incomeSpread: 0.5,
    regions: COUNTRYWIDE,
    femaleShare: 0.4,
    needs: { business: 0.9, credit: 0.6, car: 0.3 },
    acceptance: {
      "expo-sme-account": 0.7,
      "expo-cash-loan": 0.45,
      "expo-refinancing": 0.3,
      "seversvyaz-mobile": 0.4,
      "expo-premium-card": 0.3,
      "shchit-osago": 0.3,
      "avtodrive-service": 0.3,
    },
    signature: ["expo-sme-account"],
  },
  {
    code: "frequent-travellers",
    description: "27–50, high income, big cities: travel insurance, premium and credit cards",
    share: 15,
    ageMin: 27,
    ageMax: 50,
    incomeMedian: 200_000,
    incomeSpread: 0.4,
    regions: BIG_CITIES,
    femaleShare: 0.5,
    needs: { travel: 0.9, investing: 0.4, mobile: 0.4 },
    acceptance: {
      "expo-travel-insurance": 0.55,
      "shchit-travel": 0.45,
      "expo-premium-card": 0.5,
      "expo-credit-card": 0.45,
      "volna-mobile": 0.4,
      "expo-iis": 0.3,
      "expo-investments": 0.4,
    },
    signature: ["expo-travel-insurance", "shchit-travel"],
  },
];

const PRESETS: Record<DemoPreset, PresetDefinition> = {
  demo: {
    preset: "demo",
    segments: DEMO_SEGMENTS,
    noiseAcceptance: 0.02,
    coldOfferRate: 0.03,
    offerGain: 1.5,
    mixingRate: 0.1,
    mixingWeight: 0.7,
    activitySpread: 0.3,
    unknownGenderShare: 0.05,
  },
  alt: {
    preset: "alt",
    segments: ALT_SEGMENTS,
    noiseAcceptance: 0.04,
    coldOfferRate: 0.12,
    offerGain: 1.3,
    mixingRate: 0.35,
    mixingWeight: 0.8,
    activitySpread: 0.4,
    unknownGenderShare: 0.1,
  },
};

/** The segment structure of a preset. */
export function presetDefinition(preset: DemoPreset): PresetDefinition {
  const definition = PRESETS[preset];
  if (!definition) throw new RangeError(`Unknown demo preset "${preset}" (expected "demo" or "alt")`);
  return definition;
}
