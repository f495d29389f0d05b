import { useState } from "preact/hooks";
import { api, unwrap } from "../api";
import { t } from "../i18n";
import { ActionButton, Loading, useLoad } from "../ui";

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
        )}
      </Loading>
    </div>
  );
}
