CREATE TABLE `need_tags` (
	`code` text PRIMARY KEY NOT NULL,
	`label_ru` text NOT NULL,
	`label_en` text NOT NULL,
	`group_code` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- Closed vocabularies (issue 11). Generated DDL above; the seed and the data mapping below are
-- written by hand from src/domain/vocabularies/ (regions.ts, needs.ts).
--> statement-breakpoint
INSERT INTO need_tags (code, label_ru, label_en, group_code, active, created_at, updated_at) VALUES
  ('credit', 'Кредит', 'Credit', 'finance', 1, 0, 0),
  ('savings', 'Сбережения', 'Savings', 'finance', 1, 0, 0),
  ('investing', 'Инвестиции', 'Investing', 'finance', 1, 0, 0),
  ('retirement', 'Пенсия', 'Retirement', 'finance', 1, 0, 0),
  ('insurance', 'Страхование', 'Insurance', 'finance', 1, 0, 0),
  ('cashback', 'Кешбэк', 'Cashback', 'finance', 1, 0, 0),
  ('business', 'Бизнес', 'Business', 'finance', 1, 0, 0),
  ('housing', 'Жильё', 'Housing', 'home', 1, 0, 0),
  ('home-internet', 'Домашний интернет', 'Home internet', 'home', 1, 0, 0),
  ('groceries', 'Продукты', 'Groceries', 'home', 1, 0, 0),
  ('family', 'Семья', 'Family', 'family', 1, 0, 0),
  ('children', 'Дети', 'Children', 'family', 1, 0, 0),
  ('education', 'Образование', 'Education', 'family', 1, 0, 0),
  ('car', 'Автомобиль', 'Car', 'lifestyle', 1, 0, 0),
  ('health', 'Здоровье', 'Health', 'lifestyle', 1, 0, 0),
  ('sport', 'Спорт', 'Sport', 'lifestyle', 1, 0, 0),
  ('travel', 'Путешествия', 'Travel', 'lifestyle', 1, 0, 0),
  ('mobile', 'Мобильная связь', 'Mobile', 'lifestyle', 1, 0, 0)
ON CONFLICT (code) DO NOTHING;
--> statement-breakpoint
-- Regions: the demo's short forms map to their federal subject, codes of the vocabulary become
-- upper case, anything else becomes 'unspecified' (the value is dropped).
UPDATE clients SET region = CASE
  WHEN lower(region) = 'msk' THEN 'RU-MOW'
  WHEN lower(region) = 'spb' THEN 'RU-SPE'
  WHEN lower(region) = 'ekaterinburg' THEN 'RU-SVE'
  WHEN lower(region) = 'novosibirsk' THEN 'RU-NVS'
  WHEN lower(region) = 'krasnoyarsk' THEN 'RU-KYA'
  WHEN lower(region) = 'kazan' THEN 'RU-TA'
  WHEN lower(region) = 'tyumen' THEN 'RU-TYU'
  WHEN lower(region) = 'krasnodar' THEN 'RU-KDA'
  WHEN upper(region) IN (
    'RU-AD', 'RU-AL', 'RU-BA', 'RU-BU', 'RU-CE', 'RU-CU', 'RU-DA', 'RU-IN', 'RU-KB', 'RU-KL', 'RU-KC', 'RU-KR',
    'RU-KO', 'RU-ME', 'RU-MO', 'RU-SA', 'RU-SE', 'RU-TA', 'RU-TY', 'RU-UD', 'RU-KK', 'RU-ALT', 'RU-ZAB', 'RU-KAM',
    'RU-KDA', 'RU-KYA', 'RU-PER', 'RU-PRI', 'RU-STA', 'RU-KHA', 'RU-AMU', 'RU-ARK', 'RU-AST', 'RU-BEL', 'RU-BRY', 'RU-VLA',
    'RU-VGG', 'RU-VLG', 'RU-VOR', 'RU-IVA', 'RU-IRK', 'RU-KGD', 'RU-KLU', 'RU-KEM', 'RU-KIR', 'RU-KOS', 'RU-KGN', 'RU-KRS',
    'RU-LEN', 'RU-LIP', 'RU-MAG', 'RU-MOS', 'RU-MUR', 'RU-NIZ', 'RU-NGR', 'RU-NVS', 'RU-OMS', 'RU-ORE', 'RU-ORL', 'RU-PNZ',
    'RU-PSK', 'RU-ROS', 'RU-RYA', 'RU-SAM', 'RU-SAR', 'RU-SAK', 'RU-SVE', 'RU-SMO', 'RU-TAM', 'RU-TVE', 'RU-TOM', 'RU-TUL',
    'RU-TYU', 'RU-ULY', 'RU-CHE', 'RU-YAR', 'RU-MOW', 'RU-SPE', 'RU-YEV', 'RU-NEN', 'RU-KHM', 'RU-CHU', 'RU-YAN', 'AD',
    'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU',
    'AW', 'AX', 'AZ', 'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ',
    'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ',
    'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO',
    'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM', 'DO',
    'DZ', 'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM',
    'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM',
    'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM', 'HN',
    'HR', 'HT', 'HU', 'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS',
    'IT', 'JE', 'JM', 'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP',
    'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT',
    'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML',
    'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX',
    'MY', 'MZ', 'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR',
    'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN',
    'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RW', 'SA', 'SB',
    'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO',
    'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH',
    'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ', 'UA',
    'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU',
    'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW'
  ) THEN upper(region)
  ELSE 'unspecified'
END;
--> statement-breakpoint
-- Needs: keep the tags of the taxonomy (first occurrence, in order) and drop the rest.
UPDATE clients SET needs = (
  SELECT COALESCE(json_group_array(kept.value), '[]')
  FROM (
    SELECT tag.value AS value
    FROM json_each(clients.needs) AS tag
    WHERE tag.value IN (SELECT code FROM need_tags)
      AND tag.key = (SELECT min(first.key) FROM json_each(clients.needs) AS first WHERE first.value = tag.value)
    ORDER BY tag.key
  ) AS kept
)
WHERE json_valid(needs);
--> statement-breakpoint
UPDATE clients SET needs = '[]' WHERE NOT json_valid(needs);
--> statement-breakpoint
-- Deals: the outcome race could record one lead's outcome several times at the same time; keep
-- the first of each (lead, occurred_at) so that the unique index below can be built.
DELETE FROM deals
WHERE lead_id IS NOT NULL
  AND rowid NOT IN (SELECT min(rowid) FROM deals WHERE lead_id IS NOT NULL GROUP BY lead_id, occurred_at);
--> statement-breakpoint
CREATE UNIQUE INDEX `deals_lead_occurred_unique` ON `deals` (`lead_id`,`occurred_at`);
