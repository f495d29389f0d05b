/**
 * The admin's catalog use cases: add, read, list and update services. A service's code and
 * company are immutable; its model index (its interaction-matrix column) is assigned once.
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import { auditEntry, auditEntryIfChanged, runBatch } from "../../storage/audit";
import { getCompany } from "../../storage/companies";
import * as serviceTable from "../../storage/services";
import { controlDb } from "../../storage/shards";
import { type ServiceRecord, serviceSnapshot } from "./snapshots";

export type { ServiceRecord } from "./snapshots";

/** Concurrent creations may pick the same model index; the unique index refuses all but one. */
const MODEL_INDEX_ATTEMPTS = 5;

export interface NewService {
  code: string;
  name: string;
  category: string;
  companyId: string;
  description: string | null;
  active: boolean;
}

/** Only the fields present change. */
export interface ServiceChanges {
  name?: string;
  category?: string;
  description?: string | null;
  active?: boolean;
}

function serviceNotFound(code: string): DomainError {
  return new DomainError("not_found", `Service ${code} not found`);
}

/**
 * Adds the service with the next free model index. An unknown company is `validation_failed`,
 * a code in use is `conflict`.
 */
export async function createService(env: Env, actor: string, input: NewService): Promise<ServiceRecord> {
  const db = controlDb(env);
  const company = await getCompany(db, input.companyId);
  if (!company) {
    throw new DomainError("validation_failed", `Unknown company ${input.companyId}`, ["body", "company_id"]);
  }
  const codeTaken = () =>
    new DomainError("conflict", `A service with code ${input.code} already exists`, ["body", "code"]);
  if (await serviceTable.getServiceByCode(db, input.code)) throw codeTaken();

  const id = newId("svc");
  for (let attempt = 1; ; attempt++) {
    const now = Date.now();
    const service: ServiceRecord = {
      id,
      code: input.code,
      name: input.name,
      category: input.category,
      companyId: company.id,
      description: input.description,
      active: input.active,
      modelIndex: await serviceTable.nextModelIndex(db),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await runBatch(db, [
        serviceTable.insertServiceQuery(db, service),
        auditEntry(db, {
          actor,
          action: "service.created",
          entityType: "service",
          entityId: id,
          before: null,
          after: serviceSnapshot(service),
          at: now,
        }),
      ]);
      return service;
    } catch (error) {
      if (serviceTable.isUniqueViolation(error, "services.code")) throw codeTaken();
      if (serviceTable.isUniqueViolation(error, "services.model_index") && attempt < MODEL_INDEX_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** The service with this code, or `not_found`. */
export async function getService(env: Env, code: string): Promise<ServiceRecord> {
  const service = await serviceTable.getServiceByCode(controlDb(env), code);
  if (!service) throw serviceNotFound(code);
  return service;
}

/** Services matching every given filter, in model-index order. */
export async function listServices(
  env: Env,
  filter: { companyId?: string; category?: string; active?: boolean },
): Promise<ServiceRecord[]> {
  return serviceTable.listServices(controlDb(env), filter);
}

/** Applies the changes present; `conflict` when a concurrent write changed the service first. */
export async function updateService(
  env: Env,
  actor: string,
  code: string,
  input: ServiceChanges,
  now = Date.now(),
): Promise<ServiceRecord> {
  const db = controlDb(env);
  const current = await serviceTable.getServiceByCode(db, code);
  if (!current) throw serviceNotFound(code);

  const changes: Partial<ServiceRecord> & { updatedAt: number } = {
    updatedAt: serviceTable.nextUpdatedAt(current.updatedAt, now),
  };
  if (input.name !== undefined) changes.name = input.name;
  if (input.category !== undefined) changes.category = input.category;
  if (input.description !== undefined) changes.description = input.description;
  if (input.active !== undefined) changes.active = input.active;
  const updated: ServiceRecord = { ...current, ...changes };

  const [rows] = (await runBatch(db, [
    serviceTable.updateServiceQuery(db, current.id, current.updatedAt, changes),
    auditEntryIfChanged(db, {
      actor,
      action: "service.updated",
      entityType: "service",
      entityId: current.id,
      before: serviceSnapshot(current),
      after: serviceSnapshot(updated),
      at: now,
    }),
  ])) as [ServiceRecord[], unknown];
  if (rows.length === 0) {
    throw new DomainError("conflict", `Service ${current.code} was changed concurrently; read it again and retry`);
  }
  return rows[0];
}
