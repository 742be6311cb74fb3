using LensAI.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The LensAI Azure Functions app (.NET isolated worker). Run by the Functions host (`func start` locally, or an
// Azure Function App); settings come from app settings (environment variables), e.g. LensAI__Backend__Storage__Kind.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureLensAIFunctions();
await builder.Build().RunAsync().ConfigureAwait(false);
