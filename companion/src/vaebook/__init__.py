"""vaebook: the companion package of the vaebook tutorial.

One module per concern: ``data``, ``plots``, ``widgets``, ``training``, ``elbo``,
``linear_gaussian``, ``torch``, ``keras``, ``bench``, ``beta`` (β-VAE losses),
``shapes`` (images with known factors), ``metrics`` (the MIG) and ``checks``
(argument checks). Import the module you need; nothing heavy is imported here,
so ``import vaebook`` never pulls in torch or TensorFlow.
"""

__version__ = "0.1.0"
