/**
 * Scenario `json`: serialize a small object per request (TechEmpower's JSON test), so the figure
 * includes building a body rather than writing a constant.
 */
export default {
  fetch(): Response {
    return Response.json({ message: 'Hello, World!' })
  },
}
