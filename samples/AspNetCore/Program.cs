// LensAI in an ASP.NET Core minimal API. ChatApi.cs is the app (DI, the OpenAI SDK over IHttpClientFactory, the
// /chat endpoints); LensAIAttributionMiddleware.cs attributes every LLM call to the request's route and user and
// returns its cost in X-LensAI-Cost-Usd. Run it: `dotnet run --project samples/AspNetCore` (a short demo, then exits)
// or add `-- --serve` to keep it running for curl.
using LensAI.Samples.AspNetCore;

return await ChatApiDemo.RunAsync(args, Console.Out);
