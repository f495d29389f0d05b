/**
 * The admin console (/admin) and the partner portal (/partner): one bundle, the portal chosen by the
 * path, pages by the hash (`/admin#/volume`). Signing in exchanges a key for a session cookie; the
 * key is dropped from the page at once.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AdminPages } from "./admin/pages";
import { api, type Session, setCsrfToken, unwrap } from "./api";
import { currentLanguage, LANGUAGES, setLanguage, t } from "./i18n";
import { PartnerPages } from "./partner/pages";
import "./styles.css";
import { ErrorNote } from "./ui";

export type Portal = "admin" | "partner";

export interface PageDefinition {
  id: string;
  title: () => string;
  render: (session: Session) => preact.ComponentChildren;
}

const portal: Portal = location.pathname.startsWith("/partner") ? "partner" : "admin";

function currentPageId(): string {
  return location.hash.replace(/^#\/?/, "").split("?")[0] || "";
}

function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await unwrap(api.POST("/v1/session", { body: { key: key.trim() } }));
      setKey("");
      onSignedIn(session);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>{portal === "admin" ? t("adminTitle") : t("partnerTitle")}</h1>
      <form onSubmit={submit}>
        <label for="api-key">{portal === "admin" ? t("signInKeyAdmin") : t("signInKeyPartner")}</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy}>
          {t("signIn")}
        </button>
        <p class="hint">{t("signInHint")}</p>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

function LanguageSwitch({ onChange }: { onChange: () => void }) {
  return (
    <fieldset class="language">
      <legend class="visually-hidden">{t("language")}</legend>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          aria-pressed={currentLanguage() === language}
          onClick={() => {
            setLanguage(language);
            onChange();
          }}
        >
          {language.toUpperCase()}
        </button>
      ))}
    </fieldset>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const pages: PageDefinition[] = portal === "admin" ? AdminPages : PartnerPages;
  const [pageId, setPageId] = useState(currentPageId());
  useEffect(() => {
    const onHash = () => setPageId(currentPageId());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const page = pages.find((candidate) => candidate.id === pageId) ?? pages[0];
  useEffect(() => {
    document.title = `${page.title()} · CactuBase`;
    document.getElementById("main")?.focus();
  }, [page]);
  const wrongPortal = (portal === "admin") !== (session.scope === "admin" || session.scope === "viewer");
  const signOut = async () => {
    await unwrap(api.DELETE("/v1/session"));
    onSignOut();
  };
  return (
    <>
      <a class="skip" href="#main">
        {t("skipToContent")}
      </a>
      <header class="top">
        <span class="brand">CactuBase · {portal === "admin" ? t("adminTitle") : t("partnerTitle")}</span>
        <span class="who">
          {t(`scope_${session.scope}`)} · {session.key_id}
        </span>
        <LanguageSwitch onChange={() => setPageId(currentPageId())} />
        <button type="button" onClick={signOut}>
          {t("signOut")}
        </button>
      </header>
      <nav aria-label={t("navigation")}>
        <ul>
          {pages.map((candidate) => (
            <li key={candidate.id}>
              <a href={`#/${candidate.id}`} aria-current={candidate === page ? "page" : undefined}>
                {candidate.title()}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <h1>{page.title()}</h1>
        {session.scope === "viewer" ? <p class="notice">{t("viewerNotice")}</p> : null}
        {wrongPortal ? <p class="error">{t("wrongPortal")}</p> : page.render(session)}
      </main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [, setLanguageTick] = useState(0);
  useEffect(() => {
    document.documentElement.lang = currentLanguage();
    unwrap(api.GET("/v1/session")).then(
      (current) => {
        setCsrfToken(current.csrf_token);
        setSession(current);
      },
      () => setSession(null),
    );
    const onSignedOut = () => {
      setCsrfToken(null);
      setSession(null);
    };
    const onLanguage = () => setLanguageTick((n) => n + 1);
    window.addEventListener("cactubase:signed-out", onSignedOut);
    window.addEventListener("cactubase:language", onLanguage);
    return () => {
      window.removeEventListener("cactubase:signed-out", onSignedOut);
      window.removeEventListener("cactubase:language", onLanguage);
    };
  }, []);
  if (session === undefined) return <p aria-busy="true">{t("loading")}</p>;
  if (session === null) {
    return (
      <SignIn
        onSignedIn={(opened) => {
          setCsrfToken(opened.csrf_token);
          setSession(opened);
        }}
      />
    );
  }
  return (
    <Shell
      session={session}
      onSignOut={() => {
        setCsrfToken(null);
        setSession(null);
      }}
    />
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
