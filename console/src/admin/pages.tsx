import { t } from "../i18n";
import type { PageDefinition } from "../main";
import { AuditPage } from "./audit";
import { BotPage } from "./bot";
import { CalibrationPage } from "./calibration";
import { ServicesPage } from "./catalogue";
import { CompaniesPage } from "./companies";
import { ExperimentsPage } from "./experiments";
import { LeadsPage } from "./leads";
import { MatrixPage } from "./matrix";
import { OverviewPage } from "./overview";
import { VolumePage } from "./volume";

/** Viewers see every page; the controls that change something are left out for them. */
const writes = (scope: string) => scope === "admin";

export const AdminPages: PageDefinition[] = [
  { id: "overview", title: () => t("pageOverview"), render: () => <OverviewPage /> },
  { id: "volume", title: () => t("pageVolume"), render: (s) => <VolumePage canWrite={writes(s.scope)} /> },
  { id: "matrix", title: () => t("pageMatrix"), render: (s) => <MatrixPage canWrite={writes(s.scope)} /> },
  { id: "companies", title: () => t("pageCompanies"), render: (s) => <CompaniesPage canWrite={writes(s.scope)} /> },
  { id: "services", title: () => t("pageServices"), render: (s) => <ServicesPage canWrite={writes(s.scope)} /> },
  {
    id: "experiments",
    title: () => t("pageExperiments"),
    render: (s) => <ExperimentsPage canWrite={writes(s.scope)} />,
  },
  { id: "bot", title: () => t("pageBot"), render: (s) => <BotPage canWrite={writes(s.scope)} /> },
  { id: "calibration", title: () => t("pageCalibration"), render: () => <CalibrationPage /> },
  { id: "leads", title: () => t("pageLeads"), render: (s) => <LeadsPage canWrite={writes(s.scope)} /> },
  { id: "audit", title: () => t("pageAudit"), render: () => <AuditPage /> },
];
