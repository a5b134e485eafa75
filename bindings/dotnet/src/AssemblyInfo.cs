using System.Runtime.CompilerServices;

// The NUnit suite (bindings/dotnet/tests) reaches the testing hooks and the loader's
// search list.
[assembly: InternalsVisibleTo("Br.Gov.Go.Saude.Sesgo.Tests")]
