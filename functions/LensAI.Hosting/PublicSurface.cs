using System.Diagnostics.CodeAnalysis;

// LensAI.Hosting's deliberate public surface: the one composition root every
// host builds the backend through. CA1515 is on for functions/ (functions/.editorconfig), so a new public type fails the
// build until it is justified here.
[assembly: SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Scope = "type", Target = "~T:Microsoft.Extensions.DependencyInjection.LensAIBackendServiceCollectionExtensions", Justification = "The composition root: AddLensAIBackend, AddLensAIJobScheduler.")]
[assembly: SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Scope = "type", Target = "~T:Microsoft.AspNetCore.Builder.LensAIApiEndpointRouteBuilderExtensions", Justification = "The HTTP API: MapLensAIApi.")]
[assembly: SuppressMessage("Maintainability", "CA1515:Consider making public types internal", Scope = "type", Target = "~T:LensAI.Hosting.LensAIBackendApp", Justification = "The ASP.NET Core app the server, the CLI, the samples and the tests build.")]
