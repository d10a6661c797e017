dette er ikke GML
