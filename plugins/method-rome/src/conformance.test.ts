import { describeMethodConformance } from '@crossedit/testing';
import rome from './index.js';

describeMethodConformance(rome);
