// The docs page: the gateway's merged description of the public API.
// "Authorize" takes a bearer token (`make token` prints one); "Try it out"
// then sends it with each call, to this gateway.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  tryItOutEnabled: false,
});
