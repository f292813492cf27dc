"""vaebook: the companion package of the vaebook tutorial.

One module per concern: ``data``, ``plots``, ``widgets``, ``training``, ``elbo``,
``linear_gaussian``, ``torch``, ``keras``, ``explorer`` (the in-page latent explorer),
``beta`` (β-VAE losses), ``shapes`` (images with known factors), ``metrics`` (the MIG),
``conditional`` (the conditional VAE), ``anomaly`` (anomaly scores and their ROC),
``quality`` (a digit classifier that reads generated digits, MNIST-FID), ``vq`` (the
VQ-VAE's quantizer and its code-grid prior), ``latent_diffusion`` (the KL-autoencoder
and the diffusion model in its latent space), ``glue`` (numbers for the prose) and
``checks`` (argument checks): only what the chapters import. Import the module you need;
nothing heavy is imported here, so ``import vaebook`` never pulls in torch or
TensorFlow. The benchmark (``make bench``) lives outside the package, in the
repository's ``benchmarks/`` folder.
"""

__version__ = "0.1.0"
