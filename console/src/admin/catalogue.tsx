import { useState } from "preact/hooks";
import { ApiError, api, unwrap } from "../api";
import { t } from "../i18n";
import { ActionButton, ErrorNote, Loading, useLoad } from "../ui";

/** The services catalogue: what each company sells; inactive services are never recommended. */
export function ServicesPage({ canWrite }: { canWrite: boolean }) {
  const [tick, setTick] = useState(0);
  const state = useLoad(
    () =>
      Promise.all([unwrap(api.GET("/v1/admin/services")), unwrap(api.GET("/v1/admin/companies"))]).then(
        ([services, companies]) => ({
          services: services.services,
          companyNames: new Map(companies.companies.map((company) => [company.id, company.name])),
        }),
      ),
    [tick],
  );
  return (
    <div class="page">
      <Loading state={state}>
        {({ services, companyNames }) => (
          <>
            {canWrite ? <CreateService companyNames={companyNames} onCreated={() => setTick((n) => n + 1)} /> : null}
            <table>
              <caption>{t("services")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("code")}</th>
                  <th scope="col">{t("name")}</th>
                  <th scope="col">{t("category")}</th>
                  <th scope="col">{t("seller")}</th>
                  <th scope="col">{t("status")}</th>
                </tr>
              </thead>
              <tbody>
                {services.map((service) => (
                  <tr key={service.id}>
                    <td>
                      <code>{service.code}</code>
                    </td>
                    <td>{service.name}</td>
                    <td>{service.category}</td>
                    <td>{companyNames.get(service.company_id) ?? service.company_id}</td>
                    <td>
                      {service.active ? t("active") : t("inactive")}{" "}
                      {canWrite ? (
                        <ActionButton
                          label={`${service.active ? t("deactivate") : t("activate")} ${service.code}`}
                          onAction={async () => {
                            await unwrap(
                              api.PATCH("/v1/admin/services/{code}", {
                                params: { path: { code: service.code } },
                                body: { active: !service.active },
                              }),
                            );
                            setTick((n) => n + 1);
                          }}
                        >
                          {service.active ? t("deactivate") : t("activate")}
                        </ActionButton>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loading>
    </div>
  );
}

const FIELDS = ["code", "name", "category", "company_id", "description"] as const;
type Field = (typeof FIELDS)[number];

/** Adds a service; the API's validation errors are shown next to the field they name. */
function CreateService({ companyNames, onCreated }: { companyNames: Map<string, string>; onCreated: () => void }) {
  const companies = [...companyNames.entries()];
  const empty = { code: "", name: "", category: "", company_id: companies[0]?.[0] ?? "", description: "" };
  const [form, setForm] = useState<Record<Field, string>>(empty);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);
  const fieldError = (field: Field) => (error instanceof ApiError ? error.messageAt([field]) : undefined);
  const set = (field: Field) => (event: { currentTarget: { value: string } }) =>
    setForm({ ...form, [field]: event.currentTarget.value });
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setCreated(null);
    try {
      const service = await unwrap(
        api.POST("/v1/admin/services", {
          body: {
            code: form.code.trim(),
            name: form.name.trim(),
            category: form.category.trim(),
            company_id: form.company_id,
            description: form.description.trim() === "" ? null : form.description.trim(),
          },
        }),
      );
      setCreated(service.code);
      setForm({ ...empty, company_id: form.company_id });
      onCreated();
    } catch (caught) {
      setError(caught);
    }
  };
  const described = (field: Field) => (fieldError(field) ? `service-${field}-error` : undefined);
  const input = (field: Exclude<Field, "company_id">, label: string, hint?: string) => (
    <>
      <label for={`service-${field}`}>
        {label}
        {hint ? <span class="hint"> ({hint})</span> : null}
      </label>
      <span>
        <input
          id={`service-${field}`}
          name={field}
          required={field !== "description"}
          value={form[field]}
          aria-invalid={fieldError(field) ? true : undefined}
          aria-describedby={described(field)}
          onInput={set(field)}
        />
        {fieldError(field) ? (
          <span class="error" id={`service-${field}-error`} data-testid={`service-${field}-error`}>
            {fieldError(field)}
          </span>
        ) : null}
      </span>
    </>
  );
  return (
    <section aria-labelledby="create-service" class="card">
      <h2 id="create-service">{t("createService")}</h2>
      <form onSubmit={submit} class="grid-form" noValidate>
        {input("code", t("code"), t("slugHint"))}
        {input("name", t("name"))}
        {input("category", t("category"), t("slugHint"))}
        <label for="service-company_id">{t("seller")}</label>
        <span>
          <select
            id="service-company_id"
            value={form.company_id}
            aria-invalid={fieldError("company_id") ? true : undefined}
            aria-describedby={described("company_id")}
            onChange={set("company_id")}
          >
            {companies.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
          {fieldError("company_id") ? (
            <span class="error" id="service-company_id-error">
              {fieldError("company_id")}
            </span>
          ) : null}
        </span>
        {input("description", t("descriptionOptional"))}
        <button type="submit" class="primary">
          {t("create")}
        </button>
      </form>
      <ErrorNote error={error} />
      {created ? (
        <p role="status" data-testid="service-created">
          {t("serviceCreated")}: <code>{created}</code>
        </p>
      ) : null}
    </section>
  );
}
