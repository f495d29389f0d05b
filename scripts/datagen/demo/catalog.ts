/**
 * The demo catalog: Expobank, its partner companies, the services they sell and the hand-made
 * cross-service matrix an admin would enter on day one. Pure data plus the builder that scales the
 * catalog up for benchmarks.
 */

/** Line of business of a demo company (the D1 row only keeps bank | partner). */
export type DemoIndustry = "bank" | "insurance" | "fitness" | "retail" | "pharmacy" | "telecom" | "auto";

/** A company of the demo coalition, shaped like the admin API's company fields. */
export interface DemoCompany {
  /** Stable slug used to refer to the company inside the generator and in seed output. */
  code: string;
  name: string;
  kind: "bank" | "partner";
  industry: DemoIndustry;
  /** Share (0..1) of an accepted deal's amount that the platform earns. */
  commissionRate: number;
  /** Maximum leads per UTC day; null = unlimited. */
  dailyLeadCap: number | null;
}

/** A service of the demo catalog. Its position in `DemoCatalog.services` equals `modelIndex`. */
export interface DemoService {
  /** Unique lowercase slug (the admin API's service code). */
  code: string;
  name: string;
  /**
   * Category slug (the admin API's slug rule: a-z, 0-9, single "-" or "_"), e.g. "insurance-property";
   * competition resolution works per category.
   */
  category: string;
  companyCode: string;
  description: string;
  /** Dense 0-based column of the service in the interaction matrix. */
  modelIndex: number;
  /**
   * For services generated to scale the catalog: the model index of the hand-made service whose
   * tariff variant this is. Equal to `modelIndex` for hand-made services.
   */
  baseIndex: number;
}

/** A cell of the hand-made cross-service matrix ("a mortgage client needs property insurance"). */
export interface DemoLink {
  /** Model index of the service the client already uses. */
  from: number;
  /** Model index of the service the link recommends. */
  to: number;
  fromCode: string;
  toCode: string;
  /** 0 < weight <= 1. */
  weight: number;
  /** Why an admin would draw this link. */
  note: string;
}

export interface DemoCatalog {
  /** Code of the bank (the only company of kind "bank"). */
  bankCode: string;
  companies: DemoCompany[];
  /** Ordered by model index. */
  services: DemoService[];
  links: DemoLink[];
}

/** The bank's slug: its CRM is the main source of demo clients. */
export const DEMO_BANK_CODE = "expobank";

const COMPANIES: readonly DemoCompany[] = [
  {
    code: DEMO_BANK_CODE,
    name: "Экспобанк",
    kind: "bank",
    industry: "bank",
    commissionRate: 0,
    dailyLeadCap: null,
  },
  {
    code: "shchit",
    name: "Страховой дом «Щит»",
    kind: "partner",
    industry: "insurance",
    commissionRate: 0.12,
    dailyLeadCap: 400,
  },
  {
    code: "fitpuls",
    name: "ФитПульс",
    kind: "partner",
    industry: "fitness",
    commissionRate: 0.1,
    dailyLeadCap: 150,
  },
  {
    code: "korzina",
    name: "Корзина Маркет",
    kind: "partner",
    industry: "retail",
    commissionRate: 0.05,
    dailyLeadCap: 500,
  },
  {
    code: "zdravitsa",
    name: "Аптеки «Здравица»",
    kind: "partner",
    industry: "pharmacy",
    commissionRate: 0.06,
    dailyLeadCap: 300,
  },
  {
    code: "volna",
    name: "Волна Телеком",
    kind: "partner",
    industry: "telecom",
    commissionRate: 0.08,
    dailyLeadCap: 300,
  },
  {
    code: "seversvyaz",
    name: "Северсвязь",
    kind: "partner",
    industry: "telecom",
    commissionRate: 0.08,
    dailyLeadCap: 250,
  },
  {
    code: "avtodrive",
    name: "АвтоДрайв",
    kind: "partner",
    industry: "auto",
    commissionRate: 0.07,
    dailyLeadCap: 120,
  },
];

/** [code, name, category, companyCode, description] of each hand-made service, in model order. */
const SERVICES: ReadonlyArray<readonly [string, string, string, string, string]> = [
  ["expo-debit-card", "Дебетовая карта «Экспо»", "cards-debit", "expobank", "Everyday debit card"],
  ["expo-salary-card", "Зарплатная карта", "cards-salary", "expobank", "Salary project card"],
  ["expo-credit-card", "Кредитная карта «120 дней»", "cards-credit", "expobank", "Credit card with a grace period"],
  ["expo-cashback-card", "Кредитная карта «Кэшбэк»", "cards-credit", "expobank", "Credit card with partner cashback"],
  ["expo-premium-card", "Премиальная карта «Экспо Прайм»", "cards-premium", "expobank", "Premium banking package"],
  ["expo-student-card", "Молодёжная карта", "cards-youth", "expobank", "Free card for students"],
  ["expo-mortgage", "Ипотека", "loans-mortgage", "expobank", "Mortgage on new and resale housing"],
  ["expo-car-loan", "Автокредит", "loans-auto", "expobank", "Loan for a new or used car"],
  ["expo-cash-loan", "Кредит наличными", "loans-consumer", "expobank", "Unsecured consumer loan"],
  ["expo-refinancing", "Рефинансирование", "loans-refinancing", "expobank", "Refinancing of other banks' loans"],
  ["expo-deposit", "Вклад «Доходный»", "savings-deposit", "expobank", "Term deposit"],
  ["expo-pension-deposit", "Вклад «Пенсионный»", "savings-deposit", "expobank", "Term deposit for pensioners"],
  ["expo-savings-account", "Накопительный счёт", "savings-account", "expobank", "Savings account, daily interest"],
  ["expo-investments", "Брокерский счёт", "investments-brokerage", "expobank", "Brokerage account"],
  ["expo-iis", "Индивидуальный инвестиционный счёт", "investments-iis", "expobank", "Tax-advantaged account"],
  [
    "expo-property-insurance",
    "Экспо Страхование: квартира",
    "insurance-property",
    "expobank",
    "Home insurance by the bank's insurance arm",
  ],
  ["expo-life-insurance", "Экспо Страхование: жизнь", "insurance-life", "expobank", "Borrower life cover"],
  ["expo-travel-insurance", "Экспо Страхование: путешествия", "insurance-travel", "expobank", "Travel medical cover"],
  ["expo-sme-account", "Расчётный счёт для бизнеса", "business-account", "expobank", "Account for entrepreneurs"],
  ["shchit-property", "Щит: страхование жилья", "insurance-property", "shchit", "Apartment and house insurance"],
  ["shchit-osago", "Щит: ОСАГО", "insurance-auto", "shchit", "Mandatory motor liability insurance"],
  ["shchit-kasko", "Щит: КАСКО", "insurance-auto", "shchit", "Comprehensive car insurance"],
  ["shchit-life", "Щит: страхование жизни", "insurance-life", "shchit", "Life and accident cover"],
  ["shchit-health", "Щит: ДМС", "insurance-health", "shchit", "Voluntary health insurance"],
  ["shchit-travel", "Щит: страхование путешественников", "insurance-travel", "shchit", "Travel cover"],
  ["fitpuls-membership", "ФитПульс: абонемент", "fitness-membership", "fitpuls", "Annual gym membership"],
  ["fitpuls-pool", "ФитПульс: бассейн", "fitness-pool", "fitpuls", "Swimming pool pass"],
  [
    "fitpuls-personal-training",
    "ФитПульс: персональные тренировки",
    "fitness-training",
    "fitpuls",
    "Personal trainer package",
  ],
  ["fitpuls-kids", "ФитПульс: детские секции", "fitness-kids", "fitpuls", "Sports classes for children"],
  ["korzina-loyalty", "Корзина: клуб постоянных покупателей", "retail-loyalty", "korzina", "Loyalty programme"],
  ["korzina-delivery", "Корзина: доставка продуктов", "retail-grocery-delivery", "korzina", "Grocery delivery"],
  ["korzina-home-goods", "Корзина: товары для дома", "retail-home", "korzina", "Furniture and home goods"],
  ["korzina-kids", "Корзина: детские товары", "retail-kids", "korzina", "Goods for children"],
  ["korzina-pharmacy", "Корзина: аптечный отдел", "retail-pharmacy", "korzina", "Pharmacy corner in the store"],
  ["zdravitsa-pharmacy-club", "Здравица: аптечный клуб", "retail-pharmacy", "zdravitsa", "Pharmacy discount club"],
  [
    "zdravitsa-medicine-delivery",
    "Здравица: доставка лекарств",
    "retail-pharmacy-delivery",
    "zdravitsa",
    "Home delivery of medicines",
  ],
  ["zdravitsa-checkup", "Здравица: чекап здоровья", "health-checkup", "zdravitsa", "Lab tests and check-up"],
  ["volna-mobile", "Волна: мобильная связь", "telecom-mobile", "volna", "Mobile plan"],
  ["volna-family-plan", "Волна: семейный тариф", "telecom-mobile", "volna", "Shared family mobile plan"],
  ["volna-home-internet", "Волна: домашний интернет", "telecom-internet", "volna", "Fibre home internet"],
  ["volna-tv", "Волна: цифровое ТВ", "telecom-tv", "volna", "Digital TV"],
  ["seversvyaz-mobile", "Северсвязь: мобильная связь", "telecom-mobile", "seversvyaz", "Mobile plan"],
  ["seversvyaz-internet", "Северсвязь: домашний интернет", "telecom-internet", "seversvyaz", "Home internet"],
  ["seversvyaz-smart-home", "Северсвязь: умный дом", "telecom-smart-home", "seversvyaz", "Smart home kit"],
  ["avtodrive-service", "АвтоДрайв: техобслуживание", "auto-maintenance", "avtodrive", "Car maintenance plan"],
  ["avtodrive-tires", "АвтоДрайв: шиномонтаж и хранение шин", "auto-tires", "avtodrive", "Seasonal tyre service"],
  ["avtodrive-trade-in", "АвтоДрайв: трейд-ин", "auto-trade-in", "avtodrive", "Trade-in of a used car"],
];

/** [from, to, weight, note]: the business logic an admin draws by hand. */
const LINKS: ReadonlyArray<readonly [string, string, number, string]> = [
  ["expo-mortgage", "expo-property-insurance", 0.9, "The mortgage contract requires collateral insurance"],
  ["expo-mortgage", "shchit-property", 0.8, "Collateral insurance from an accredited insurer"],
  ["expo-mortgage", "expo-life-insurance", 0.8, "Borrower life cover lowers the mortgage rate"],
  ["expo-mortgage", "shchit-life", 0.6, "Borrower life cover from an accredited insurer"],
  ["expo-mortgage", "korzina-home-goods", 0.5, "A new home needs furnishing"],
  ["expo-mortgage", "volna-home-internet", 0.4, "Moving in: home internet"],
  ["expo-mortgage", "seversvyaz-internet", 0.4, "Moving in: home internet"],
  ["expo-mortgage", "seversvyaz-smart-home", 0.3, "New flats are often fitted with smart home kits"],
  ["expo-car-loan", "shchit-kasko", 0.9, "A car loan requires comprehensive cover"],
  ["expo-car-loan", "shchit-osago", 0.7, "Every car owner needs motor liability insurance"],
  ["expo-car-loan", "avtodrive-service", 0.5, "A new car needs a maintenance plan"],
  ["shchit-osago", "avtodrive-service", 0.4, "Car owners service their cars"],
  ["shchit-osago", "avtodrive-tires", 0.3, "Car owners change tyres twice a year"],
  ["shchit-kasko", "avtodrive-service", 0.4, "KASKO holders use dealer maintenance"],
  ["avtodrive-trade-in", "expo-car-loan", 0.7, "A trade-in usually needs financing of the balance"],
  ["avtodrive-trade-in", "shchit-kasko", 0.5, "A newer car gets comprehensive cover"],
  ["expo-salary-card", "fitpuls-membership", 0.5, "Salary project employers subsidise fitness"],
  ["expo-salary-card", "expo-credit-card", 0.6, "Pre-approved limit from salary inflows"],
  ["expo-salary-card", "expo-deposit", 0.4, "Regular income makes a deposit plan easy"],
  ["expo-debit-card", "expo-savings-account", 0.5, "Balances above spending earn interest"],
  ["expo-credit-card", "korzina-loyalty", 0.4, "Partner cashback in the store"],
  ["expo-cashback-card", "korzina-delivery", 0.4, "Raised cashback on grocery delivery"],
  ["expo-premium-card", "expo-investments", 0.7, "Premium clients invest"],
  ["expo-premium-card", "expo-travel-insurance", 0.6, "Travel cover is part of the premium package"],
  ["expo-premium-card", "shchit-travel", 0.5, "Premium clients travel often"],
  ["expo-premium-card", "shchit-health", 0.5, "Premium clients value health insurance"],
  ["expo-investments", "expo-iis", 0.7, "A tax-advantaged account complements brokerage"],
  ["expo-deposit", "expo-investments", 0.3, "Depositors looking for higher yield"],
  ["expo-pension-deposit", "zdravitsa-pharmacy-club", 0.6, "Pensioner discount programme"],
  ["expo-pension-deposit", "zdravitsa-checkup", 0.4, "Regular check-ups after sixty"],
  ["expo-pension-deposit", "volna-tv", 0.3, "Digital TV for seniors"],
  ["expo-student-card", "volna-mobile", 0.5, "Student mobile plans"],
  ["expo-student-card", "seversvyaz-mobile", 0.4, "Student mobile plans"],
  ["expo-student-card", "fitpuls-membership", 0.3, "Student fitness discount"],
  ["expo-cash-loan", "expo-refinancing", 0.4, "Borrowers with several loans consolidate"],
  ["expo-refinancing", "expo-credit-card", 0.3, "A card after the debt is consolidated"],
  ["expo-sme-account", "expo-cash-loan", 0.4, "Working capital for entrepreneurs"],
  ["expo-sme-account", "volna-mobile", 0.3, "Corporate mobile plans"],
  ["fitpuls-membership", "fitpuls-personal-training", 0.6, "Members buy personal training"],
  ["fitpuls-membership", "shchit-health", 0.3, "Health-minded clients buy health insurance"],
  ["fitpuls-kids", "korzina-kids", 0.4, "Parents shop for children's goods"],
  ["korzina-kids", "fitpuls-kids", 0.5, "Sports classes for children"],
  ["volna-mobile", "volna-home-internet", 0.5, "Bundle: mobile and home internet"],
  ["volna-home-internet", "volna-tv", 0.6, "Bundle: internet and TV"],
  ["seversvyaz-mobile", "seversvyaz-internet", 0.5, "Bundle: mobile and home internet"],
  ["seversvyaz-internet", "seversvyaz-smart-home", 0.4, "Smart home runs over home internet"],
  ["shchit-life", "shchit-health", 0.4, "Life cover holders add health insurance"],
  ["zdravitsa-pharmacy-club", "zdravitsa-medicine-delivery", 0.5, "Club members order delivery"],
];

/** Number of hand-made services: the smallest catalog `buildDemoCatalog` accepts. */
export const DEMO_BASE_SERVICE_COUNT = SERVICES.length;

/** Largest catalog `buildDemoCatalog` builds (benchmarks use up to a few thousand services). */
export const DEMO_MAX_SERVICES = 20_000;

/**
 * Builds the demo catalog. With `serviceCount` above the hand-made catalog, tariff variants of the
 * hand-made services are appended round-robin (same company and category, code `<base>-v<n>`), and
 * each variant inherits its base service's outgoing links, so benchmarks see a realistic catalog
 * shape at 500 or 2,000 services.
 */
export function buildDemoCatalog(serviceCount: number = DEMO_BASE_SERVICE_COUNT): DemoCatalog {
  if (!Number.isInteger(serviceCount) || serviceCount < DEMO_BASE_SERVICE_COUNT || serviceCount > DEMO_MAX_SERVICES) {
    throw new RangeError(
      `services must be an integer from ${DEMO_BASE_SERVICE_COUNT} to ${DEMO_MAX_SERVICES}, got ${serviceCount}`,
    );
  }
  const services: DemoService[] = SERVICES.map(([code, name, category, companyCode, description], modelIndex) => ({
    code,
    name,
    category,
    companyCode,
    description,
    modelIndex,
    baseIndex: modelIndex,
  }));
  for (let modelIndex = DEMO_BASE_SERVICE_COUNT; modelIndex < serviceCount; modelIndex++) {
    const offset = modelIndex - DEMO_BASE_SERVICE_COUNT;
    const base = services[offset % DEMO_BASE_SERVICE_COUNT];
    const variant = Math.floor(offset / DEMO_BASE_SERVICE_COUNT) + 2;
    services.push({
      code: `${base.code}-v${variant}`,
      name: `${base.name} (тариф ${variant})`,
      category: base.category,
      companyCode: base.companyCode,
      description: `${base.description}, tariff variant ${variant}`,
      modelIndex,
      baseIndex: base.modelIndex,
    });
  }

  const indexOf = new Map(services.map((s) => [s.code, s.modelIndex]));
  const links: DemoLink[] = LINKS.map(([fromCode, toCode, weight, note]) => {
    const from = indexOf.get(fromCode);
    const to = indexOf.get(toCode);
    if (from === undefined || to === undefined)
      throw new Error(`Demo link ${fromCode} → ${toCode} names an unknown service`);
    return { from, to, fromCode, toCode, weight, note };
  });
  const baseLinkCount = links.length;
  for (let v = DEMO_BASE_SERVICE_COUNT; v < serviceCount; v++) {
    const variant = services[v];
    for (let l = 0; l < baseLinkCount; l++) {
      const link = links[l];
      if (link.from !== variant.baseIndex) continue;
      links.push({
        from: v,
        to: link.to,
        fromCode: variant.code,
        toCode: link.toCode,
        weight: link.weight,
        note: `${link.note} (inherited from ${link.fromCode})`,
      });
    }
  }

  return {
    bankCode: DEMO_BANK_CODE,
    companies: COMPANIES.map((c) => ({ ...c })),
    services,
    links,
  };
}
