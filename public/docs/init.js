// The API reference reads the Worker's own OpenAPI document; try-it-out calls take a bearer key.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
});
